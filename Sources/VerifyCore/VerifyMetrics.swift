/// The port through which the domain and the HTTP layer report what operators count: verifications by outcome,
/// deliveries by status, refusals by rule. The wiring module exports them (Prometheus on `/metrics`); the domain
/// only says what happened, never how it is counted or where it goes.
public protocol VerifyMetrics: Sendable {
    /// A verification reached `event`, sent on `channel` to a number of `country` (its ISO region; nil when the
    /// metadata places it in none): the number reaches the exporter only as its country. The caller passes what it
    /// has read already where it can: reading a number's facts is 117 k instructions, a thirteenth of a start.
    func verification(_ event: VerificationEvent, channel: Channel, country: RegionCode?)
    /// A delivery attempt reached `status`, with Twilio's error code when Twilio gave one.
    func delivery(_ status: DeliveryStatus, errorCode: Int?)
    /// A request was refused by one of verifyd's defences.
    func refusal(_ rule: RefusalRule)
}

/// The moments in a verification's life that operators count.
public enum VerificationEvent: String, Sendable, CaseIterable {
    case started
    case approved
    case expired
    case maxAttemptsReached = "max_attempts_reached"
}

/// A defence that refused a request, as a bounded label: a rule is a name fixed in code, never text from a request,
/// so the number of series stays small. Add a `static let` beside the defence that uses it; the screening rules and
/// issue 9's limits are named by their enums' raw values, the names their logs and records use.
public struct RefusalRule: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: StaticString) {
        self.name = "\(name)"
    }

    /// One of issue 9's limits, by the name its refusal records and `VERIFYD_ABUSE_RECORD_ONLY` use.
    public init(_ rule: AbuseRule) {
        self.name = rule.rawValue
    }

    /// A screening rule, by the name `start.refused` logs.
    public init(_ rule: StartScreening.Rule) {
        self.name = rule.rawValue
    }

    public var description: String { name }

    /// A service rate limit's bucket was full.
    public static let rateLimit = RefusalRule("rate_limit")
    /// An operator blocked the phone.
    public static let phoneBlocked = RefusalRule("phone_blocked")
    /// The phone replied STOP.
    public static let phoneUnsubscribed = RefusalRule("phone_unsubscribed")
    /// The verification or the phone used up its check attempts.
    public static let checkAttempts = RefusalRule("check_attempts")
    /// The pending verification was sent as often as the service allows.
    public static let sendAttempts = RefusalRule("send_attempts")
    /// The client address failed authentication too often.
    public static let authThrottle = RefusalRule("auth_throttle")
}

extension VerifyError {
    /// The defence this refusal comes from, or nil when it is not one (a bad parameter, a missing resource).
    public var refusalRule: RefusalRule? { rule ?? reason.refusalRule }
}

extension VerifyError.Reason {
    /// The defence a refusal for this reason comes from, when the error does not name another.
    var refusalRule: RefusalRule? {
        switch self {
        case .rateLimitExceeded: .rateLimit
        case .phoneBlocked: .phoneBlocked
        case .phoneUnsubscribed: .phoneUnsubscribed
        case .maxCheckAttemptsReached: .checkAttempts
        case .maxSendAttemptsReached: .sendAttempts
        default: nil
        }
    }
}

/// Counts nothing: for tests and tools that build a `Verifier` without an exporter.
public struct UncountedMetrics: VerifyMetrics {
    public init() {}
    public func verification(_ event: VerificationEvent, channel: Channel, country: RegionCode?) {}
    public func delivery(_ status: DeliveryStatus, errorCode: Int?) {}
    public func refusal(_ rule: RefusalRule) {}
}
