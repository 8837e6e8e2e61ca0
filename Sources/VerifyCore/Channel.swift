/// How a code reaches the phone.
public enum Channel: String, Sendable, Hashable, CaseIterable {
    case sms
    case call
}

/// Where a verification stands. `pending` and `max_attempts_reached` are live: they hold the phone's slot until
/// they end or expire.
public enum VerificationStatus: String, Sendable, Hashable, CaseIterable {
    case pending
    case approved
    case canceled
    case maxAttemptsReached = "max_attempts_reached"
    case expired
    case failed
    case deleted
}

/// Where one delivery attempt stands (the outbox row behind an entry of `send_code_attempts`).
public enum DeliveryStatus: String, Sendable, Hashable, CaseIterable {
    /// Written, waiting for a dispatcher.
    case queued
    /// Claimed by an instance that is sending it now, under a lease.
    case sending
    case sent
    case delivered
    case undelivered
    case failed
    /// The outcome cannot be known (the request may have reached Twilio); never re-sent automatically.
    case unknown
    /// The verification ended before this queued attempt was sent, so it never will be.
    case canceled

    /// States no callback may move away from.
    public var isFinal: Bool {
        switch self {
        case .delivered, .undelivered, .failed, .canceled: true
        case .queued, .sending, .sent, .unknown: false
        }
    }
}
