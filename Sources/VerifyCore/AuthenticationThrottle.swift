/// Limits failed HTTP Basic authentications per client address (a key such as `203.0.113.7`, chosen by the HTTP
/// layer) across all instances: the first `limit` failures in a window are answered as failures (401); from then on
/// the address is refused (429) until its window ends, whatever credentials it sends.
///
/// Why the right credentials are refused too: if they still passed, every refusal past the limit would mean
/// "wrong", and a guesser would go on guessing at full speed, reading 429 as 401. Refusing every request from a
/// blocked address makes the answers past the limit carry nothing. The cost is that whoever shares the address
/// (behind one NAT) waits for the window with the attacker; `VERIFYD_TRUSTED_PROXIES` keeps a balancer's own
/// address from being that address.
///
/// Why the success path reads nothing: failures are counted in PostgreSQL, one atomic upsert per failure, which
/// answers the window's total across instances. Successes never ask it. Instead, each instance remembers the
/// addresses it has seen reach the limit, until their window ends, and refuses them before looking at their
/// credentials. So:
/// - at most `limit` failures per window are ever answered 401, however many instances share the work (the count
///   is atomic, and a failure that finds the limit reached is answered 429);
/// - an instance that has seen one of an address's failures at or past the limit refuses it, right credentials
///   included, for the rest of the window, at no cost;
/// - what remains is a guess that reaches an instance that has not yet seen such a failure: it is checked, and a
///   right one passes. Every wrong guess there teaches that instance, so past the limit a guesser gets at most the
///   requests it has in flight at each instance at the moment that instance learns — nothing like a window's worth
///   of guesses. Reading the counter on every success would close that gap at the price of a database read on every
///   request, which the issue rules out; root tokens of 32 characters and key secrets of 190 bits leave nothing for
///   those few guesses to find.
public final class AuthenticationThrottle: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Failures per window answered as failures; the next request is refused.
        public var limit: Int
        public var window: Duration

        public init(limit: Int, window: Duration) {
            self.limit = max(1, limit)
            self.window = window
        }
    }

    /// What a failure led to.
    public struct Failure: Sendable, Equatable {
        /// The address's failures in the window, this one included.
        public var count: Int
        /// How long the window still runs.
        public var remaining: Duration
        /// True for the failure that reached the limit: from it on, the address is refused.
        public var reachedLimit: Bool
        /// True past the limit: this failure is answered as a refusal, with `remaining` as the wait.
        public var refused: Bool
    }

    public let settings: Settings
    let failures: any AuthenticationFailureStore
    let now: @Sendable () -> ContinuousClock.Instant
    /// Addresses this instance saw reach the limit, until their window ends. Bounded, so a flood of addresses cannot
    /// grow it without end; one that does not fit is still refused by the counter on its next failure.
    private let blocked = ExpiringSet<String>(capacity: 10_000)

    public init(
        settings: Settings, failures: any AuthenticationFailureStore,
        now: @escaping @Sendable () -> ContinuousClock.Instant
    ) {
        self.settings = settings
        self.failures = failures
        self.now = now
    }

    /// How long `address` must still wait, when this instance knows it is past the limit. No I/O.
    public func retryAfter(for address: String) -> Duration? {
        let now = now()
        return blocked.expiry(of: address, at: now).map { now.duration(to: $0) }
    }

    /// Counts a failure from `address` in PostgreSQL and remembers the address once it has reached the limit.
    public func recordFailure(from address: String) async throws -> Failure {
        let window = try await failures.recordFailure(address: address, window: settings.window)
        if window.failures >= settings.limit {
            let now = now()
            blocked.insert(address, until: now.advanced(by: window.remaining), at: now)
        }
        return Failure(
            count: window.failures, remaining: window.remaining, reachedLimit: window.failures == settings.limit,
            refused: window.failures > settings.limit)
    }

    /// Deletes counters whose window has ended, up to `limit` of them; returns how many.
    public func purgeEnded(limit: Int) async throws -> Int {
        try await failures.purgeEnded(window: settings.window, limit: limit)
    }
}
