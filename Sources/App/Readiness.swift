import Postgres
import Synchronization

/// Whether this instance should receive traffic: not draining, the database answers within a deadline, and its
/// schema is current.
///
/// Each probe asks the database afresh on the client's probe connection, which is kept apart from the request
/// pool: a pool saturated by traffic never delays a probe, so a busy but healthy instance stays in the balancer,
/// and a probe that times out never closes a request connection. Probes arriving together share one check, and an
/// answer comes within the deadline however the database fails (refused, silent, or slow to connect).
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)
    private let runner: MigrationRunner
    private let deadline: Duration
    private let inFlight = Mutex<Task<Bool, Never>?>(nil)

    init(runner: MigrationRunner, deadline: Duration = .seconds(2)) {
        self.runner = runner
        self.deadline = deadline
    }

    /// Called at graceful shutdown: from now on `/readyz` answers 503 so balancers stop sending traffic.
    func startDraining() {
        draining.store(true, ordering: .relaxed)
    }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func check() async -> Bool {
        if isDraining { return false }
        let probe = inFlight.withLock { current in
            if let current { return current }
            let task = Task { [self] in
                let ready = (try? await runner.probeStatus(timeout: deadline))?.isCurrent ?? false
                inFlight.withLock { $0 = nil }
                return ready
            }
            current = task
            return task
        }
        return await FirstAnswer.of(probe, orFalseAfter: deadline)
    }
}

/// The probe's answer, or false once the deadline passes, whichever comes first; the probe itself may go on (its
/// connect and round trips have deadlines of their own) and the next check shares it.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>

    private init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = Mutex(continuation)
    }

    private func answer(_ value: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }

    static func of(_ probe: Task<Bool, Never>, orFalseAfter deadline: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let first = FirstAnswer(continuation)
            let timer = Task {
                try? await Task.sleep(for: deadline)
                first.answer(false)
            }
            Task {
                let ready = await probe.value
                timer.cancel()
                first.answer(ready)
            }
        }
    }
}
