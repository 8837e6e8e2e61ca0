/// Sends codes to phones. Implementations: Twilio (SMS and calls), the console (development only) and a recording
/// sender in tests.
public protocol CodeSender: Sendable {
    /// Reserves capacity for one send, or returns nil at once when the sender has as many sends in flight as it
    /// allows. A start reserves before it stores anything, so a refusal (503) leaves nothing behind, and a send never
    /// waits for capacity while its outbox lease runs. The capacity is given back when the send ends, or when the
    /// slot is dropped unused.
    func reserve() -> (any DeliverySlot)?
    /// How many slots `reserve()` could hand out right now, a snapshot: a start may take one the next moment.
    var freeSlots: Int { get }
    /// Seconds until the sender takes work again (its circuit breaker is open), or nil while it does. A start is
    /// refused with 503 before anything is stored while this is set.
    var retryAfterWhileUnavailable: Int? { get }
    /// Whether this sender can deliver over `channel` at all (calls need a voice number).
    func supports(_ channel: Channel) -> Bool
}

extension CodeSender {
    public var retryAfterWhileUnavailable: Int? { nil }
    public func supports(_ channel: Channel) -> Bool { true }
}

/// Capacity for one send, reserved with `CodeSender.reserve()`. A sender without a cap can be its own slot.
public protocol DeliverySlot: Sendable {
    /// Sends one code to one phone; a slot carries one send.
    func send(_ message: OutgoingCode) async -> DeliveryOutcome
}

/// Everything a sender needs for one delivery attempt.
public struct OutgoingCode: Sendable {
    public var attemptSid: AttemptSid
    public var verification: Verification
    public var code: OneTimeCode
    /// The name the message uses: the request's `CustomFriendlyName`, else the service's.
    public var serviceName: String
    public var doNotShareWarning: Bool
    public var appHash: String?
    /// Seconds of validity left, for the SMS `ValidityPeriod`.
    public var remainingSeconds: Int

    public init(
        attemptSid: AttemptSid, verification: Verification, code: OneTimeCode, serviceName: String,
        doNotShareWarning: Bool, appHash: String?, remainingSeconds: Int
    ) {
        self.attemptSid = attemptSid
        self.verification = verification
        self.code = code
        self.serviceName = serviceName
        self.doNotShareWarning = doNotShareWarning
        self.appHash = appHash
        self.remainingSeconds = remainingSeconds
    }

    public var to: PhoneNumber { verification.to }
    public var channel: Channel { verification.channel }
}

/// What became of one delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Accepted by the provider (its message or call SID when there is one).
    case sent(providerSid: String?)
    /// Provably not sent (connection refused, 429, 503 from Twilio itself): safe to try again after a while.
    case retryable(errorCode: Int?, retryAfter: Int?)
    /// Refused for good, with the provider's error code (21211, 21610, …).
    case rejected(errorCode: Int)
    /// May or may not have gone out (timeout after sending, dropped connection): never re-sent automatically.
    case unknown
    /// The sender is refusing work for now (circuit breaker open); nothing was attempted.
    case unavailable(retryAfter: Int)
}
