import NIOCore
import Synchronization

/// The bookkeeping half of the pool: who holds which connection and who waits. It never blocks and never talks to
/// the server; opening and closing connections happens in `PostgresClient`, on the database threads.
final class ConnectionPool: Sendable {
    /// What a caller receives: an idle connection, or the right to open a new one in a free slot.
    enum Grant: Sendable {
        case connection(PostgresConnection)
        case newConnection

        var connection: PostgresConnection? {
            if case .connection(let connection) = self { return connection }
            return nil
        }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
        var timer: Scheduled<Void>?
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections that exist or are being opened: idle + lent.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
        var drained: CheckedContinuation<Void, Never>?
    }

    let capacity: Int
    private let timeout: Duration
    private let timers: any EventLoop
    private let state = Mutex(State())

    init(capacity: Int, timeout: Duration, timers: any EventLoop) {
        self.capacity = capacity
        self.timeout = timeout
        self.timers = timers
    }

    func lease() async throws -> Grant {
        try await withCheckedThrowingContinuation { continuation in
            let immediate: Result<Grant, any Error>? = state.withLock { state in
                if state.closed { return .failure(PostgresError(.poolClosed)) }
                if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                if state.open < capacity {
                    state.open += 1
                    return .success(.newConnection)
                }
                let id = state.nextWaiterID
                state.nextWaiterID += 1
                // Scheduling under the lock is safe: the timer's handler takes the same lock, so it cannot see the
                // queue before this waiter is in it.
                let timer = timers.scheduleTask(in: TimeAmount(timeout)) { [weak self] () -> Void in
                    self?.expire(id)
                }
                state.waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    /// Takes back what a lease held: a healthy idle connection, or `nil` when the connection was closed (broken, or
    /// never opened), which frees its slot.
    func release(_ connection: PostgresConnection?) {
        var closeAfterwards: PostgresConnection?
        var drained: CheckedContinuation<Void, Never>?
        let handoff: (Waiter, Grant)? = state.withLock { state in
            if let connection, !state.closed {
                if state.waiters.isEmpty {
                    state.idle.append(connection)
                    return nil
                }
                return (state.waiters.removeFirst(), .connection(connection))
            }
            closeAfterwards = connection
            if !state.closed, !state.waiters.isEmpty {
                // The slot passes to the next waiter, who opens a fresh connection in it.
                return (state.waiters.removeFirst(), .newConnection)
            }
            state.open -= 1
            if state.closed, state.open == 0 {
                drained = state.drained
                state.drained = nil
            }
            return nil
        }
        closeAfterwards?.close()
        if let (waiter, grant) = handoff {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: grant)
        }
        drained?.resume()
    }

    /// Refuses new leases, fails the waiters, closes idle connections and returns once every lent one came back.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            let idle = state.idle
            state.idle = []
            state.open -= idle.count
            let waiters = state.waiters
            state.waiters = []
            return (idle, waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: PostgresError(.poolClosed))
        }
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.open == 0 { return true }
                state.drained = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        let context = "waited \(timeout.milliseconds) ms; all \(capacity) connections are in use"
        waiter?.continuation.resume(throwing: PostgresError(.poolTimeout, context: context))
    }
}
