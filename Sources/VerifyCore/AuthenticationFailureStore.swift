/// Storage for failed authentications per client address, shared by every instance.
public protocol AuthenticationFailureStore: Sendable {
    /// Counts one failure from `address` in its current window (a window starts with the first failure after the
    /// previous one ended) in one atomic step, and answers the window's count with this failure and how long the
    /// window still runs.
    func recordFailure(address: String, window: Duration) async throws -> FailureWindow
    /// Deletes up to `limit` addresses whose window has ended; returns how many.
    func purgeEnded(window: Duration, limit: Int) async throws -> Int
}

public struct FailureWindow: Sendable, Equatable {
    public var failures: Int
    public var remaining: Duration

    public init(failures: Int, remaining: Duration) {
        self.failures = failures
        self.remaining = remaining
    }
}
