import Hummingbird
import NIOCore
import VerifyCore

/// Per-request state: Hummingbird's core context plus who authenticated.
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or the balancer in front of it (see `TrustedProxies`). Nil in Hummingbird's
    /// in-process test client.
    public let remoteAddress: SocketAddress?
    /// Set by `BasicAuthMiddleware` on routes that require credentials.
    public var principal: Authenticator.Principal?
    /// The parameters of a Twilio webhook, set by `TwilioSignatureMiddleware` once the signature checked out.
    var webhookParameters = RequestParameters()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Twilio request bodies are small; anything larger is refused before it is read.
    public var maxUploadSize: Int { 64 * 1024 }
}
