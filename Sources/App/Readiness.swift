import Postgres
import Synchronization

/// Whether this instance should receive traffic: not draining, the database answers within a deadline, and its
/// schema is current. Each probe asks the database afresh, so readiness returns as soon as the database does.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)
    private let runner: MigrationRunner
    private let deadline: Duration

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
        let runner = self.runner
        let deadline = self.deadline
        return await withTaskGroup(of: Bool?.self) { group in
            group.addTask { (try? await runner.status())?.isCurrent ?? false }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}
