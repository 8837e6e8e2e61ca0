/// A per-instance circuit breaker for delivery: it opens after `threshold` consecutive failures, refuses work for
/// `cooldown`, then lets one probe through; the probe's success closes it, its failure opens it again. A value type
/// driven by instants the caller supplies, so tests move time without sleeping.
public struct CircuitBreaker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: Instant)
        /// One probe is out; everything else waits for its result.
        case probing
    }

    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public let threshold: Int
    public let cooldown: Duration

    public init(threshold: Int, cooldown: Duration) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// Nil when a request may go out now (possibly as the probe), else how long until the next probe.
    public mutating func admit(at now: Instant) -> Duration? {
        switch state {
        case .closed: return nil
        case .probing: return cooldown
        case .open(let until):
            if now < until { return now.duration(to: until) }
            state = .probing
            return nil
        }
    }

    public mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    public mutating func recordFailure(at now: Instant) {
        switch state {
        case .closed(let failures) where failures + 1 < threshold:
            state = .closed(consecutiveFailures: failures + 1)
        case .closed, .probing, .open:
            state = .open(until: now.advanced(by: cooldown))
        }
    }

    /// Without admitting anything: how long until a request could go out, or nil when one could now.
    public func retryAfter(at now: Instant) -> Duration? {
        switch state {
        case .closed: nil
        case .probing: cooldown
        case .open(let until): now < until ? now.duration(to: until) : nil
        }
    }
}
