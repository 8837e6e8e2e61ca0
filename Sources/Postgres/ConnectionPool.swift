import NIOCore
import Synchronization

/// The bookkeeping half of the pool: who holds which connection, who waits, when to give up and when to try the
/// server again. It never waits for the network; opening connections happens in `PostgresClient`, closing idle
/// ones here (a non-blocking `PQfinish`).
final class ConnectionPool: Sendable {
    /// What a caller receives: an idle connection, or the right to open a new one in a free slot.
    enum Grant: Sendable {
        case connection(PostgresConnection)
        case newConnection
    }

    struct Settings: Sendable {
        var capacity: Int
        var maxWaiters: Int
        var waitTimeout: Duration
        var idleTimeout: Duration
        var backoff: ClosedRange<Duration>

        init(_ configuration: PostgresConfiguration) {
            capacity = configuration.poolSize
            maxWaiters = configuration.maxWaiters
            waitTimeout = configuration.poolTimeout
            idleTimeout = configuration.idleTimeout
            backoff = configuration.reconnectBackoff
        }
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Grant, any Error>
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        /// Most recently returned last, so the connections at the front are the ones idle longest.
        var idle: [PostgresConnection] = []
        /// Connections that exist or are being opened: idle + lent.
        var open = 0
        /// In arrival order; every waiter waits equally long, so the first one is also the first to expire.
        var waiters = CircularBuffer<Waiter>()
        var closed = false
        var drained: [CheckedContinuation<Void, Never>] = []
        var reconnect = ReconnectBackoff()
        /// The instant the poll loop will call `housekeeping` at, if any.
        var timer: ContinuousClock.Instant?
    }

    let settings: Settings
    private let loop: PollLoop
    private let state = Mutex(State())
    private let nextWaiterID = Atomic<UInt64>(0)

    init(settings: Settings, loop: PollLoop) {
        self.settings = settings
        self.loop = loop
    }

    /// Waits for a connection or a free slot. A cancelled task leaves the queue at once with `CancellationError`;
    /// a full queue, a closed pool and a reconnect backoff fail at once.
    func lease() async throws -> Grant {
        // The common case, an idle connection, needs no continuation.
        if !Task.isCancelled, let idle = state.withLock({ $0.closed ? nil : $0.idle.popLast() }) {
            return .connection(idle)
        }
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let now = ContinuousClock.now
                let immediate: Result<Grant, any Error>? = state.withLock { state in
                    if state.closed { return .failure(PostgresError(.poolClosed)) }
                    // Cancellation sets the flag before it runs the handler, so a cancel that raced ahead of this
                    // registration is seen here.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                    if state.open < settings.capacity {
                        if let refusal = state.reconnect.refusal(at: now) { return .failure(refusal) }
                        state.open += 1
                        return .success(.newConnection)
                    }
                    guard state.waiters.count < settings.maxWaiters else {
                        let context = "\(state.waiters.count) callers already wait for \(settings.capacity) connections"
                        return .failure(PostgresError(.poolBusy, context: context))
                    }
                    let deadline = now + settings.waitTimeout
                    state.waiters.append(Waiter(id: id, continuation: continuation, deadline: deadline))
                    scheduleHousekeeping(at: deadline, &state)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Takes back what a lease held: a healthy idle connection, or `nil` when the connection was closed (broken,
    /// expired, or never opened), which frees its slot.
    func release(_ connection: PostgresConnection?) {
        let now = ContinuousClock.now
        var retire = connection
        var drained: [CheckedContinuation<Void, Never>] = []
        let handoffs: [(Waiter, Result<Grant, any Error>)] = state.withLock { state in
            if let connection, !state.closed, now < connection.expiresAt {
                retire = nil
                if let waiter = state.waiters.popFirst() { return [(waiter, .success(.connection(connection)))] }
                connection.idleSince = now
                state.idle.append(connection)
                scheduleHousekeeping(at: now + settings.idleTimeout, &state)
                return []
            }
            if !state.closed, let waiter = state.waiters.popFirst() {
                // The slot passes to the next waiter, who opens a fresh connection in it, unless the server is
                // being given time to recover: then every waiter fails now instead of waiting for nothing.
                guard let refusal = state.reconnect.refusal(at: now) else {
                    return [(waiter, .success(.newConnection))]
                }
                state.open -= 1
                defer { state.waiters.removeAll() }
                return [(waiter, .failure(refusal))] + state.waiters.map { ($0, .failure(refusal)) }
            }
            state.open -= 1
            if state.closed, state.open == 0 { swap(&drained, &state.drained) }
            return []
        }
        retire?.close()
        for (waiter, grant) in handoffs { waiter.continuation.resume(with: grant) }
        for continuation in drained { continuation.resume() }
    }

    /// A connect succeeded: the server is back, backoff ends.
    func connected() {
        state.withLock { $0.reconnect.succeeded() }
    }

    /// A connect failed: start or extend the backoff, then free the slot.
    func connectFailed(_ error: PostgresError) {
        let now = ContinuousClock.now
        state.withLock { $0.reconnect.failed(error, at: now, backoff: settings.backoff) }
        release(nil)
    }

    /// Closes every idle connection: after a failover or restart the server ended them all, even if their sockets
    /// do not show it yet.
    func dropIdle() {
        let idle = state.withLock { state in
            defer { state.idle = [] }
            state.open -= state.idle.count
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    /// Refuses new leases, fails the waiters, closes idle connections and returns once every lent one came back.
    func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters.removeAll()
            }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for connection in idle { connection.close() }
        for waiter in waiters { waiter.continuation.resume(throwing: PostgresError(.poolClosed)) }
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.open == 0 { return true }
                state.drained.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Called by the poll loop when the instant last scheduled has come: fails waiters past their deadline and
    /// closes connections idle too long or past their lifetime. Returns when to run next.
    func housekeeping(at now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var expired: [Waiter] = []
        var retired: [PostgresConnection] = []
        let next = state.withLock { state -> ContinuousClock.Instant? in
            state.timer = nil
            while let first = state.waiters.first, first.deadline <= now { expired.append(state.waiters.removeFirst()) }
            state.idle.removeAll { connection in
                let stale = connection.idleSince + settings.idleTimeout <= now || connection.expiresAt <= now
                if stale { retired.append(connection) }
                return stale
            }
            state.open -= retired.count
            let idleDue = state.idle.map { min($0.idleSince + settings.idleTimeout, $0.expiresAt) }.min()
            state.timer = [state.waiters.first?.deadline, idleDue].compactMap { $0 }.min()
            return state.timer
        }
        for connection in retired { connection.close() }
        let context = "waited \(settings.waitTimeout.milliseconds) ms; all \(settings.capacity) connections are in use"
        for waiter in expired { waiter.continuation.resume(throwing: PostgresError(.poolTimeout, context: context)) }
        return next
    }

    private func scheduleHousekeeping(at instant: ContinuousClock.Instant, _ state: inout State) {
        if let timer = state.timer, timer <= instant { return }
        state.timer = instant
        loop.schedule(at: instant)
    }

    // MARK: For tests

    var idleCount: Int { state.withLock { $0.idle.count } }
    var waiterCount: Int { state.withLock { $0.waiters.count } }
}
