import Hummingbird
import VerifyCore

/// Per-request state: Hummingbird's core context plus who authenticated.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `BasicAuthMiddleware` on routes that require credentials.
    public var principal: Authenticator.Principal?
    /// The parameters of a Twilio webhook, set by `TwilioSignatureMiddleware` once the signature checked out.
    var webhookParameters = RequestParameters()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Twilio request bodies are small; anything larger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }
}
