/// Storage for delivery attempts: the outbox rows behind `send_code_attempts`.
public protocol DeliveryStore: Sendable {
    /// Records the outcome of an attempt this instance sent. `retryIn` (seconds) requeues a retryable outcome; a
    /// retryable outcome without it has used its tries and fails. `failVerification` also marks the attempt's
    /// verification `failed` when this was its first send, which frees the phone's slot.
    func record(_ outcome: DeliveryOutcome, for attempt: AttemptSid, retryIn: Double?, failVerification: Bool)
        async throws

    /// Claims up to `limit` due queued attempts (`FOR UPDATE SKIP LOCKED`, so dispatchers on many instances never
    /// claim the same row) and leases them for `leaseSeconds`.
    func claimDue(limit: Int, leaseSeconds: Int, owner: String) async throws -> [ClaimedAttempt]

    /// Turns attempts whose lease ran out (their instance died mid-send) into `unknown`; returns how many.
    func expireLeases() async throws -> Int

    /// Marks a claimed attempt `canceled` because its verification ended before it was sent.
    func cancel(_ attempt: AttemptSid) async throws

    /// Applies a provider status callback. Final states never move and a state never moves backwards, so a
    /// duplicate or late callback changes nothing; returns whether the row changed.
    func applyCallback(_ attempt: AttemptSid, status: DeliveryStatus, providerSid: String?, errorCode: Int?)
        async throws
        -> Bool
}

/// A queued attempt a dispatcher claimed, with what sending it needs.
public struct ClaimedAttempt: Sendable {
    public var attemptSid: AttemptSid
    /// Tries already made before this one.
    public var tries: Int
    /// The verification's code, or nil when it ended meanwhile (nothing is sent then).
    public var pending: PendingCode?

    public init(attemptSid: AttemptSid, tries: Int, pending: PendingCode?) {
        self.attemptSid = attemptSid
        self.tries = tries
        self.pending = pending
    }
}

/// When a provably-unsent attempt is tried again: exponential backoff with jitter, a fixed number of tries.
public struct RetryPolicy: Sendable, Equatable {
    public var maxTries: Int
    public var baseDelaySeconds: Double
    public var maxDelaySeconds: Double

    public init(maxTries: Int = 3, baseDelaySeconds: Double = 1, maxDelaySeconds: Double = 60) {
        self.maxTries = maxTries
        self.baseDelaySeconds = baseDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
    }

    /// Seconds to wait before try number `tries + 1`, or nil when `tries` used them all. Twilio's `Retry-After`
    /// wins when it asks for longer.
    public func delay(afterTries tries: Int, retryAfter: Int?, using generator: inout some RandomNumberGenerator)
        -> Double?
    {
        guard tries < maxTries else { return nil }
        let ceiling = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(tries - 1, 20)))
        // Equal jitter (half fixed, half random): spreads retries of many instances so they do not arrive together.
        let jittered = Double.random(in: ceiling / 2...ceiling, using: &generator)
        return max(jittered, Double(retryAfter ?? 0))
    }
}
