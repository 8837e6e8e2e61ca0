import Logging

/// Carries the request id to every log line a request causes, through the task that serves it: the domain logs
/// with its own `Logger` and never sees a request, yet its `verification.*` and `delivery.*` lines carry the id.
/// Install `metadataProvider` on the application's logger; `AccessLogMiddleware` sets the id for each request.
public enum RequestLogContext {
    @TaskLocal static var requestID: String?

    /// Adds `hb.request.id`, Hummingbird's own key, so a line never carries two ids for one request.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let requestID else { return [:] }
        return ["hb.request.id": .string(requestID)]
    }
}
