/// How long a pool leaves a failing server alone. After a failed connect, callers that need a new connection fail
/// at once until the wait is over; then exactly one of them tries (the probe) while the others keep failing, so a
/// dead server sees one connect per backoff step from the pool, not one per waiting request.
struct ReconnectBackoff {
    private var failures = 0
    private var retryAt: ContinuousClock.Instant?
    private var probing = false
    private var lastError: PostgresError?

    /// The error for a caller that must not open a connection now, or nil; nil after a failure makes the caller the
    /// probe.
    mutating func refusal(at now: ContinuousClock.Instant) -> PostgresError? {
        guard failures > 0, let retryAt else { return nil }
        if now >= retryAt, !probing {
            probing = true
            return nil
        }
        let wait = max(retryAt - now, .milliseconds(100))
        return PostgresError(
            .connectionFailed,
            context: "\(failures) connection attempt(s) failed in a row; the next one in \(wait.milliseconds) ms",
            sensitiveMessage: lastError?.sensitiveMessage, retryHint: wait)
    }

    mutating func succeeded() {
        self = ReconnectBackoff()
    }

    /// Connects started together fail together; only a failure outside the current wait lengthens it.
    mutating func failed(_ error: PostgresError, at now: ContinuousClock.Instant, backoff: ClosedRange<Duration>) {
        probing = false
        lastError = error
        guard retryAt.map({ now >= $0 }) ?? true else { return }
        failures += 1
        let doubled = backoff.lowerBound * Double(1 << min(failures - 1, 20))
        // Jitter, so that instances that lost the server together do not come back in step.
        retryAt = now + min(doubled, backoff.upperBound) * Double.random(in: 0.75...1.0)
    }
}
