import Foundation
import Synchronization

/// A one-way gate for tests: tasks `wait()` until someone calls `open()`; waits after that return at once.
public final class AsyncGate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if open { continuation.resume() }
        }
    }

    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held. For liveness only
/// ("eventually, within a generous bound"), never to measure time.
public func eventually(
    within timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Returns once at least `span` is left of the current hour, waiting for the next one if need be. For tests of the
/// hourly counters, whose windows start on the hour of the epoch (`floor(epoch / 3600)` in migration 0011 and
/// after): a test that straddles two windows sees its counts restart, a spend ceiling allow twice, and the sweeper
/// delete the ended window's rows. `span` must cover the test, slowest machine included.
public func waitForRoomInTheHour(_ span: Duration) async throws {
    let left = 3600 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 3600)
    if Duration.seconds(left) < span { try await Task.sleep(for: .seconds(left + 1)) }
}

/// Runs `body`, throwing `TimeLimitExceeded` instead of hanging when it outlives `limit`. The body is cancelled
/// then but not awaited, so code that ignores cancellation cannot hang the test. A generous bound for liveness
/// only, never a measurement.
public func withTimeLimit<Value: Sendable>(
    _ limit: Duration, _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let first = FirstOutcome(continuation)
        let work = Task {
            do {
                first.resume(with: .success(try await body()))
            } catch {
                first.resume(with: .failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if first.resume(with: .failure(TimeLimitExceeded(limit: limit))) { work.cancel() }
        }
    }
}

/// `withTimeLimit`'s body was still running when the limit passed.
public struct TimeLimitExceeded: Error, CustomStringConvertible {
    public let limit: Duration
    public var description: String { "still running after \(limit)" }
}

/// Resumes a continuation with whichever outcome comes first.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}
