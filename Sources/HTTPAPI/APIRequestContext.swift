import Hummingbird
import VerifyCore

/// Per-request state: Hummingbird's core context plus who authenticated.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `BasicAuthMiddleware` on routes that require credentials.
    public var principal: Authenticator.Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Twilio request bodies are small; anything larger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }
}
