import Synchronization

/// A clock that moves only when a test moves it, for the caches that take `now` (`buildApplication(now:)`).
public final class TestClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    public init() {}

    public var now: ContinuousClock.Instant { start + offset.withLock { $0 } }

    public func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }
}
