/// Why a verification request was refused. The HTTP module maps each reason to its status and Twilio error code in
/// one place; here the reasons carry only what that mapping needs, and never a phone number or a code.
public struct VerifyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A parameter is missing or malformed; names the parameter as Twilio does (`To`, `Channel`, `Code`).
        case invalidParameter(String)
        /// The verification used up its check attempts (60202), or the phone reached the consecutive-failure cap.
        case maxCheckAttemptsReached
        /// The pending verification was sent as often as the service allows (60203).
        case maxSendAttemptsReached
        /// The service does not allow what was asked, e.g. `CustomCode` (60204).
        case featureNotEnabled
        /// The phone is blocked by an operator (60410).
        case phoneBlocked
        /// The phone replied STOP (21610).
        case phoneUnsubscribed
        /// The destination is a landline and cannot take SMS: the service skips SMS to landlines, or Twilio said so
        /// (60205).
        case landline
        /// Geo permissions (verifyd's or Twilio's) refuse the destination's region for the channel (60605).
        case destinationBlocked
        /// The destination's line type is refused, premium rate and the like (60410).
        case lineTypeRefused
        /// The verification, check or service does not exist or is no longer live (20404). The HTTP module turns
        /// the resource into the path Twilio names in its message.
        case notFound(Resource)
        /// The requested channel cannot be delivered with this configuration, e.g. calls without a voice number
        /// (60223).
        case channelDisabled
        /// Starts for the same phone kept colliding (60212).
        case tooManyConcurrentRequests
        /// Delivery is down (circuit breaker open) or has as many sends in flight as it allows; nothing was stored
        /// (503).
        case deliveryUnavailable
        /// A bucket of a rate limit the start named is full (20429, as Twilio answers Service Rate Limits).
        case rateLimitExceeded
        /// The service has as many rate limits as it may (60207).
        case tooManyRateLimits
        /// The service already has a rate limit with this unique name (60208).
        case duplicateUniqueName
        /// A unique name with characters other than letters, digits, `-`, `_` and `.` (60209).
        case invalidUniqueName
        /// The rate limit has as many buckets as it may (60210).
        case tooManyBuckets
        /// The rate limit already has a bucket with this interval (60211).
        case duplicateBucketInterval
        /// The number is already on the Safe List (60411).
        case alreadySafeListed
        /// The `Idempotency-Key` already answered a request with other parameters (422).
        case idempotencyKeyReused
    }

    /// What was not found: the domain names it, the HTTP module spells it as a path.
    public enum Resource: Sendable, Equatable {
        case service(ServiceSid)
        case verification(ServiceSid, VerificationSid)
        /// The live verification a check by number or SID looked for.
        case verificationCheck(ServiceSid)
        /// A delivery attempt (`/Attempts/{VL…}`).
        case attempt(AttemptSid)
        case rateLimit(ServiceSid, RateLimitSid)
        case bucket(ServiceSid, RateLimitSid, BucketSid)
    }

    public let reason: Reason
    /// Seconds after which the same request may succeed, for 429 and 503 answers.
    public let retryAfter: Int?
    /// The defence that refused, where the reason does not say: issue 9's limits answer as a full rate limit
    /// bucket or a blocked phone do, and are counted by their own rule.
    public let rule: RefusalRule?

    public init(_ reason: Reason, retryAfter: Int? = nil, rule: RefusalRule? = nil) {
        self.reason = reason
        self.retryAfter = retryAfter
        self.rule = rule
    }

    public static func invalid(_ parameter: String) -> VerifyError { VerifyError(.invalidParameter(parameter)) }

    public var description: String { "verification refused: \(reason)" }
}
