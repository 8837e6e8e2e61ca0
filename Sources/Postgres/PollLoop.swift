import CEpoll
import Foundation
import Glibc
import Synchronization

/// The one thread of a pool: it waits for sockets, and it is the executor that leases run on.
///
/// A task that needs its connection's socket readable or writable parks here with a deadline and is resumed when
/// the kernel says so, or when the deadline passes; it then does the libpq work itself. Leases prefer this thread
/// as their task executor (`withTaskExecutorPreference`), so the resumed task runs right here: a round trip costs
/// no thread hand-off at all, and database work keeps moving when the cooperative pool is saturated by other work.
/// A lease costs two hand-offs, onto this thread and back, however many round trips it makes.
///
/// epoll rather than poll(2): a task arms its socket itself (`epoll_ctl` is safe while another thread waits), so
/// starting a round trip never has to wake this thread, and the set of sockets is never rebuilt.
final class PollLoop: TaskExecutor, Sendable {
    struct Interest: OptionSet, Sendable {
        let rawValue: UInt32
        static let read = Interest(rawValue: EPOLLIN.rawValue)
        static let write = Interest(rawValue: EPOLLOUT.rawValue)
    }

    private struct Waiter {
        var continuation: UnsafeContinuation<ContinuousClock.Instant?, Never>
        var deadline: ContinuousClock.Instant?
    }

    private enum Sleep {
        case awake
        /// In `epoll_wait` until this instant, or until an event when nil.
        case sleeping(until: ContinuousClock.Instant?)
    }

    private struct State {
        /// Keyed by socket: a connection has at most one wait at a time.
        var waiters: [Int32: Waiter] = [:]
        /// No waiter's deadline is earlier than this; it may be earlier than every remaining one (a waiter left),
        /// which costs one early wake-up that recomputes it.
        var earliestDeadline: ContinuousClock.Instant?
        var timer: ContinuousClock.Instant?
        var sleep = Sleep.awake
        /// Jobs of tasks that prefer this executor, run after the socket events of each turn.
        var jobs: [UnownedJob] = []
        var stopping = false
        var finished = false
        var stopped: [CheckedContinuation<Void, Never>] = []

        /// True when the thread sleeps past `instant` and must be woken to honour it.
        mutating func needsWake(by instant: ContinuousClock.Instant) -> Bool {
            guard case .sleeping(let until) = sleep, until.map({ instant < $0 }) ?? true else { return false }
            sleep = .awake
            return true
        }
    }

    private static let wakeKey = UInt64.max
    private let epoll: Int32
    private let wakeDescriptor: Int32
    private let state = Mutex(State())

    init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeDescriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        // Without these descriptors the process cannot do I/O at all; nothing sensible can continue.
        precondition(epoll >= 0 && wakeDescriptor >= 0, "epoll_create1/eventfd failed: errno \(errno)")
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(u64: Self.wakeKey))
        precondition(epoll_ctl(epoll, EPOLL_CTL_ADD, wakeDescriptor, &event) == 0, "epoll_ctl failed: errno \(errno)")
    }

    /// Starts the thread. `onTimer` runs on it when the instant last given to `schedule(at:)` has come, and returns
    /// the next one.
    func start(onTimer: @escaping @Sendable (ContinuousClock.Instant) -> ContinuousClock.Instant?) {
        let thread = Thread { [self] in run(onTimer: onTimer) }
        thread.name = "verifyd-postgres"
        thread.start()
    }

    /// Waits until `socket` is ready for `interest`, and returns when the kernel said so, or nil once `deadline`
    /// passes. Spurious readiness is possible, so callers read with non-blocking calls and wait again when there
    /// was nothing.
    func wait(
        for socket: Int32, _ interest: Interest, until deadline: ContinuousClock.Instant?
    ) async -> ContinuousClock.Instant? {
        await withUnsafeContinuation { continuation in
            let wake = state.withLock { state -> Bool? in
                // After the thread ended nothing would ever answer: report the deadline as passed.
                if state.finished { return nil }
                assert(state.waiters[socket] == nil, "two waits on one socket")
                state.waiters[socket] = Waiter(continuation: continuation, deadline: deadline)
                guard let deadline else { return false }
                if state.earliestDeadline.map({ deadline < $0 }) ?? true { state.earliestDeadline = deadline }
                return state.needsWake(by: deadline)
            }
            guard let wake else { return continuation.resume(returning: nil) }
            if !arm(socket, interest) {
                // A socket epoll refuses is closed or broken: report it ready, so the caller's read finds out why.
                state.withLock { $0.waiters.removeValue(forKey: socket) }?.continuation.resume(returning: .now)
            }
            if wake { signal() }
        }
    }

    /// Stops watching `socket`; call it before the socket is closed, while it is still this connection's.
    func forget(_ socket: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = state.withLock { state -> (accepted: Bool, wake: Bool) in
            if state.finished { return (false, false) }
            state.jobs.append(job)
            guard case .sleeping = state.sleep else { return (true, false) }
            state.sleep = .awake
            return (true, true)
        }
        // A task that still prefers this executor after the thread ended runs on the global one.
        guard accepted.accepted else { return globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        if accepted.wake { signal() }
    }

    /// Makes sure `onTimer` runs at `instant` or soon after.
    func schedule(at instant: ContinuousClock.Instant) {
        let wake = state.withLock { state -> Bool in
            if let timer = state.timer, timer <= instant { return false }
            state.timer = instant
            return state.needsWake(by: instant)
        }
        if wake { signal() }
    }

    /// Ends the thread once no task waits any more, and returns when it has ended.
    func stop() async {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if state.finished { return continuation.resume() }
                state.stopping = true
                state.stopped.append(continuation)
                state.sleep = .awake
                // Under the lock: the thread closes the descriptor only after it has seen `stopping`.
                signal()
            }
        }
    }

    private func arm(_ socket: Int32, _ interest: Interest) -> Bool {
        var event = epoll_event(
            events: interest.rawValue | EPOLLONESHOT.rawValue,
            data: epoll_data_t(u64: UInt64(UInt32(bitPattern: socket))))
        if epoll_ctl(epoll, EPOLL_CTL_MOD, socket, &event) == 0 { return true }
        // Not registered yet, or registered under a socket libpq closed since (closing drops the registration).
        return errno == ENOENT && epoll_ctl(epoll, EPOLL_CTL_ADD, socket, &event) == 0
    }

    private func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: The thread

    private func run(onTimer: @Sendable (ContinuousClock.Instant) -> ContinuousClock.Instant?) {
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        var ready: [UnsafeContinuation<ContinuousClock.Instant?, Never>] = []
        var expired: [UnsafeContinuation<ContinuousClock.Instant?, Never>] = []
        var jobs: [UnownedJob] = []
        while true {
            let timeout = state.withLock { state -> Int32? in
                if state.stopping, state.waiters.isEmpty, state.jobs.isEmpty {
                    state.finished = true
                    return nil
                }
                // Jobs waiting: only look at the sockets, do not sleep.
                if !state.jobs.isEmpty { return 0 }
                let wakeAt = [state.earliestDeadline, state.timer].compactMap { $0 }.min()
                state.sleep = .sleeping(until: wakeAt)
                return wakeAt.map(Self.milliseconds(until:)) ?? -1
            }
            guard let timeout else { break }
            let count = epoll_wait(epoll, &events, Int32(events.count), timeout)
            let now = ContinuousClock.now
            var timerDue = false
            state.withLock { state in
                state.sleep = .awake
                for event in events.prefix(Int(max(count, 0))) where event.data.u64 != Self.wakeKey {
                    let socket = Int32(bitPattern: UInt32(truncatingIfNeeded: event.data.u64))
                    if let waiter = state.waiters.removeValue(forKey: socket) { ready.append(waiter.continuation) }
                }
                if let earliest = state.earliestDeadline, earliest <= now {
                    state.earliestDeadline = nil
                    for (socket, waiter) in state.waiters {
                        guard let deadline = waiter.deadline else { continue }
                        if deadline <= now {
                            state.waiters.removeValue(forKey: socket)
                            expired.append(waiter.continuation)
                        } else if state.earliestDeadline.map({ deadline < $0 }) ?? true {
                            state.earliestDeadline = deadline
                        }
                    }
                }
                if let timer = state.timer, timer <= now {
                    state.timer = nil
                    timerDue = true
                }
            }
            if events.prefix(Int(max(count, 0))).contains(where: { $0.data.u64 == Self.wakeKey }) {
                var value: UInt64 = 0
                _ = read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
            }
            for continuation in ready { continuation.resume(returning: now) }
            for continuation in expired { continuation.resume(returning: nil) }
            ready.removeAll(keepingCapacity: true)
            expired.removeAll(keepingCapacity: true)
            if timerDue, let next = onTimer(now) { schedule(at: next) }
            // The jobs queued so far, among them the tasks just resumed; jobs they queue wait for the next turn, so
            // that sockets are looked at between them.
            state.withLock { swap(&jobs, &$0.jobs) }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
            jobs.removeAll(keepingCapacity: true)
        }
        close(wakeDescriptor)
        close(epoll)
        let stopped = state.withLock { state in
            defer { state.stopped = [] }
            return state.stopped
        }
        for continuation in stopped { continuation.resume() }
    }

    /// `epoll_wait`'s timeout: whole milliseconds, rounded up so the thread never wakes just before a deadline.
    private static func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
        let (seconds, attoseconds) = (instant - .now).components
        guard seconds >= 0, seconds < 86_400 else { return seconds < 0 ? 0 : 86_400_000 }
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
