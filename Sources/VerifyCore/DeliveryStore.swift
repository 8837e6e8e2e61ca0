/// Storage for delivery attempts: the outbox rows behind `send_code_attempts`.
public protocol DeliveryStore: Sendable {
    /// Records the outcome of an attempt this instance sent. `retryIn` (seconds) requeues a retryable outcome; a
    /// retryable outcome without it has used its tries and fails. `failVerification` also marks the attempt's
    /// verification `failed` when this was its first send, which frees the phone's slot.
    func record(_ outcome: DeliveryOutcome, for attempt: AttemptSid, retryIn: Double?, failVerification: Bool)
        async throws
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
        // Full jitter: spread retries of many instances so they do not arrive together.
        let jittered = Double.random(in: ceiling / 2...ceiling, using: &generator)
        return max(jittered, Double(retryAfter ?? 0))
    }
}
