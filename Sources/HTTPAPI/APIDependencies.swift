import Logging
import Twilio
import VerifyCore

/// Everything the routes need, handed in by the wiring module. The HTTP module never sees PostgreSQL or libcurl:
/// readiness and the default service arrive as closures.
public struct APIDependencies: Sendable {
    public var verifier: Verifier
    public var services: any ServiceStore
    public var rateLimits: any RateLimitStore
    public var safeList: any SafeListStore
    public var authenticator: Authenticator
    /// The account SID responses name (`VERIFYD_ACCOUNT_SID`).
    public var accountSid: AccountSid
    /// `VERIFYD_PUBLIC_URL` without a trailing slash: the base of every `url` and `links` entry.
    public var publicURL: String
    /// Reads the numbers the original routes take.
    public var numbers: any NumberIntelligence
    /// The region national numbers on the original routes are read in: the main region of
    /// `VERIFYD_DEFAULT_COUNTRY_CODE`.
    public var defaultRegion: RegionCode?
    /// The service the original routes use; `refresh` forgets a remembered one (it may have been deleted).
    public var defaultService: @Sendable (_ refresh: Bool) async throws -> ServiceSid
    /// True while the instance should receive traffic: database reachable, no pending migration, not draining.
    public var isReady: @Sendable () async -> Bool
    /// Twilio's webhooks; nil when there is no Twilio account (console delivery), and then `/twilio/…` is 404.
    public var webhooks: WebhookSettings?
    /// Seconds to put in `Retry-After` when an error means a dependency (the database) is temporarily out of reach;
    /// nil for every other error. Such errors answer 503 instead of 500.
    public var retryAfterIfUnavailable: @Sendable (any Error) -> Int?
    public var logger: Logger

    public init(
        verifier: Verifier, services: any ServiceStore, rateLimits: any RateLimitStore, safeList: any SafeListStore,
        authenticator: Authenticator, accountSid: AccountSid, publicURL: String, numbers: any NumberIntelligence,
        defaultRegion: RegionCode?,
        defaultService: @escaping @Sendable (_ refresh: Bool) async throws -> ServiceSid,
        isReady: @escaping @Sendable () async -> Bool, webhooks: WebhookSettings?,
        retryAfterIfUnavailable: @escaping @Sendable (any Error) -> Int? = { _ in nil }, logger: Logger
    ) {
        self.verifier = verifier
        self.services = services
        self.rateLimits = rateLimits
        self.safeList = safeList
        self.authenticator = authenticator
        self.accountSid = accountSid
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.numbers = numbers
        self.defaultRegion = defaultRegion
        self.defaultService = defaultService
        self.isReady = isReady
        self.webhooks = webhooks
        self.retryAfterIfUnavailable = retryAfterIfUnavailable
        self.logger = logger
    }
}

/// How Twilio's webhooks are checked and answered.
public struct WebhookSettings: Sendable {
    /// Checks `X-Twilio-Signature` with the account's auth token (and the secondary one during rotation).
    public var validator: WebhookSignatureValidator
    /// How inbound calls to our number are refused.
    public var rejectReason: TwiMLRejectReason

    public init(validator: WebhookSignatureValidator, rejectReason: TwiMLRejectReason) {
        self.validator = validator
        self.rejectReason = rejectReason
    }
}
