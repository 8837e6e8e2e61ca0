import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Twilio's REST API for the two resources verifyd creates: Messages and Calls.
///
/// Requests run through libcurl on the client's own thread pool and reuse keep-alive connections. Nothing is
/// retried here: whether a failure is safe to retry is the caller's decision, made from `TwilioError`. Logs are
/// debug-level and never contain a full phone number, a message body or credentials.
public final class TwilioClient: Sendable {
    /// The settings the client was created with.
    public let configuration: TwilioConfiguration
    private let http: CurlHTTPClient
    private let auth: CurlRequest.BasicAuth
    private let logger: Logger
    private let now: @Sendable () -> Double

    /// Starts the client's thread pool; call `shutdown()` when done.
    public convenience init(configuration: TwilioConfiguration, logger: Logger = Logger(label: "verifyd.twilio")) {
        self.init(configuration: configuration, logger: logger, now: { Date().timeIntervalSince1970 })
    }

    /// `now` (seconds since 1970) converts `Retry-After` dates into delays.
    init(configuration: TwilioConfiguration, logger: Logger, now: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        switch configuration.credentials {
        case .authToken(let token):
            auth = CurlRequest.BasicAuth(username: configuration.accountSID, password: token)
        case .apiKey(let sid, let secret):
            auth = CurlRequest.BasicAuth(username: sid, password: secret)
        }
        let options = CurlOptions(
            connectTimeoutMilliseconds: Self.milliseconds(configuration.connectTimeout),
            totalTimeoutMilliseconds: Self.milliseconds(configuration.totalTimeout),
            userAgent: configuration.userAgent
        )
        http = CurlHTTPClient(options: options, threadCount: configuration.threadCount)
    }

    /// Creates an SMS; returns its `SM…` SID and initial status (`queued`, or `accepted` via a Messaging Service).
    public func createMessage(_ message: OutgoingMessage) async throws(TwilioError) -> TwilioResource {
        let request = CurlRequest.post(
            resourceURL("Messages.json"),
            basicAuth: auth,
            formBody: Array(URLEncodedForm.encode(message.formFields).utf8)
        )
        return try await send(request, resource: "Messages", to: message.to)
    }

    /// Creates an outbound call; returns its `CA…` SID and initial status (`queued`).
    public func createCall(_ call: OutgoingCall) async throws(TwilioError) -> TwilioResource {
        let request = CurlRequest.post(
            resourceURL("Calls.json"),
            basicAuth: auth,
            formBody: Array(URLEncodedForm.encode(call.formFields).utf8)
        )
        return try await send(request, resource: "Calls", to: call.to)
    }

    /// Lets running requests finish, then releases threads, handles and connections. Later calls fail as not sent.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    private func send(_ request: CurlRequest, resource: String, to: String?) async throws(TwilioError) -> TwilioResource
    {
        var metadata: Logger.Metadata = ["resource": "\(resource)"]
        if let to {
            metadata["to"] = "\(PhoneNumberMask.mask(to))"
        }
        logger.debug("twilio.request", metadata: metadata)
        let result: Result<TwilioResource, TwilioError>
        do {
            result = TwilioResponse.interpret(try await http.execute(request), now: now())
        } catch {
            result = .failure(TwilioResponse.error(from: error))
        }
        switch result {
        case .success(let resource):
            metadata["sid"] = "\(resource.sid)"
            metadata["status"] = "\(resource.status)"
            logger.debug("twilio.response", metadata: metadata)
        case .failure(let error):
            metadata["error"] = "\(error)"
            metadata["safe_to_retry"] = "\(error.isSafeToRetry)"
            logger.debug("twilio.failure", metadata: metadata)
        }
        return try result.get()
    }

    private func resourceURL(_ path: String) -> String {
        "\(configuration.apiBaseURL)/2010-04-01/Accounts/\(configuration.accountSID)/\(path)"
    }

    /// Whole milliseconds, rounded up so a positive duration never becomes libcurl's "0 = no limit".
    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let partial = attoseconds / 1_000_000_000_000_000
        let rounded = attoseconds % 1_000_000_000_000_000 > 0 ? partial + 1 : partial
        return Int(clamping: seconds * 1000 + rounded)
    }
}
