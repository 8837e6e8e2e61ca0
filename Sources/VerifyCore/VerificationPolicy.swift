/// The rules of starting a verification as pure decisions. Storage reads the state under row locks, asks here, and
/// writes what the decision says in the same transaction; tests drive every row of the contract table directly.
///
/// The rules of a check are not here: a check is decided in one SQL statement, so that counting the attempt, the
/// compare and the phone's failure cap are one atomic step (see `verifyd_check` in migration 0002 and its
/// contract table in VerifyStoreTests).
public enum VerificationPolicy {
    /// Consecutive failed checks per (service, phone) decay after this long without a failure.
    public static let failureWindowSeconds = 86_400

    public enum StartDecision: Sendable, Equatable {
        /// Create a new verification; a live one that expired is marked `expired` first.
        case create(expiring: VerificationSid?)
        /// Send the pending verification's code again.
        case resend(VerificationSid)
        case refuse(VerifyError)
    }

    public static func start(
        phone: PhoneStanding,
        live: LiveVerification?,
        channel: Channel,
        failureCap: Int
    ) -> StartDecision {
        if phone.isBlocked { return .refuse(VerifyError(.phoneBlocked)) }
        // STOP is an SMS instruction (Twilio answers 21610 for messages only); a call can still reach the phone.
        if phone.isOptedOut && channel == .sms { return .refuse(VerifyError(.phoneUnsubscribed)) }
        if phone.consecutiveFailures >= failureCap && phone.secondsUntilFailuresDecay > 0 {
            return .refuse(VerifyError(.maxCheckAttemptsReached, retryAfter: phone.secondsUntilFailuresDecay))
        }
        guard let live, !live.isExpired else {
            // Only a pending row becomes `expired`; one out of attempts keeps its status.
            return .create(expiring: live?.status == .pending ? live?.sid : nil)
        }
        switch live.status {
        case .pending where live.sendCount >= live.maxSendAttempts:
            return .refuse(VerifyError(.maxSendAttemptsReached, retryAfter: live.secondsUntilExpiry))
        case .pending:
            return .resend(live.sid)
        case .maxAttemptsReached:
            return .refuse(VerifyError(.maxCheckAttemptsReached, retryAfter: live.secondsUntilExpiry))
        default:
            return .create(expiring: nil)
        }
    }
}

/// The live (`pending` or `max_attempts_reached`) verification of a (service, phone), read under a row lock.
public struct LiveVerification: Sendable, Equatable {
    public var sid: VerificationSid
    public var status: VerificationStatus
    public var sendCount: Int
    public var maxSendAttempts: Int
    /// Whole seconds until expiry by the database clock, rounded up; zero or less means expired.
    public var secondsUntilExpiry: Int

    public init(
        sid: VerificationSid, status: VerificationStatus, sendCount: Int, maxSendAttempts: Int, secondsUntilExpiry: Int
    ) {
        self.sid = sid
        self.status = status
        self.sendCount = sendCount
        self.maxSendAttempts = maxSendAttempts
        self.secondsUntilExpiry = secondsUntilExpiry
    }

    public var isExpired: Bool { secondsUntilExpiry <= 0 }
}

/// What is known about a phone number before anything is sent to it.
public struct PhoneStanding: Sendable, Equatable {
    public var isBlocked: Bool
    public var isOptedOut: Bool
    /// Consecutive failed checks for this (service, phone) in the current window.
    public var consecutiveFailures: Int
    /// Seconds until those failures decay (24 hours after the last one); zero or less when they already have.
    public var secondsUntilFailuresDecay: Int

    public init(isBlocked: Bool, isOptedOut: Bool, consecutiveFailures: Int, secondsUntilFailuresDecay: Int) {
        self.isBlocked = isBlocked
        self.isOptedOut = isOptedOut
        self.consecutiveFailures = consecutiveFailures
        self.secondsUntilFailuresDecay = secondsUntilFailuresDecay
    }

    public static let clear = PhoneStanding(
        isBlocked: false, isOptedOut: false, consecutiveFailures: 0, secondsUntilFailuresDecay: 0)
}
