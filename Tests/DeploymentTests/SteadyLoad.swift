import Foundation
import Synchronization
import TestSupport

/// Clients going through whole verifications (start, read the SMS, check the code) in a loop until stopped, each
/// on a number of its own. A request that fails (an error, or an answer that is not the expected one) is counted
/// with its time and repeated after a short pause, as a careful client would, so the flow continues through an
/// outage; the tests that must see no failure assert on `failures`.
final class SteadyLoad: Sendable {
    struct Failure: Sendable {
        let at: ContinuousClock.Instant
        let what: String
    }

    struct Outcome: Sendable {
        /// Verification SIDs whose start answered 201.
        var started: [String] = []
        /// Verification SIDs whose check answered `approved`, once per such answer.
        var approved: [String] = []
        /// Checks retried after a failure that then found the verification no longer pending: the failed try may
        /// have approved it without the answer arriving.
        var ambiguous: [String] = []
        var failures: [Failure] = []

        /// SIDs approved more than once.
        var doubled: [String] {
            Dictionary(grouping: approved) { $0 }.filter { $0.value.count > 1 }.map(\.key)
        }

        /// From the first failure to the last.
        var errorWindow: Duration {
            guard let first = failures.map(\.at).min(), let last = failures.map(\.at).max() else { return .zero }
            return last - first
        }
    }

    private let state = Mutex(Outcome())
    private let stopped = Atomic(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts `workers` clients; worker `n` sends its requests to `bases[n % bases.count]`.
    static func start(
        workers: Int, client: DeploymentClient, service: String, bases: [String]
    ) -> SteadyLoad {
        let load = SteadyLoad()
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        await load.work(client: client, service: service, base: bases[worker % bases.count])
                    }
                }
            }
        }
        load.task.withLock { $0 = task }
        return load
    }

    /// What has happened so far.
    var outcome: Outcome { state.withLock { $0 } }

    /// Lets every flow in progress finish, then returns what happened.
    func stop() async -> Outcome {
        stopped.store(true, ordering: .relaxed)
        await task.withLock { $0 }?.value
        return outcome
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func work(client: DeploymentClient, service: String, base: String) async {
        while !isStopped {
            let phone = client.newPhone()
            guard let sid = await started(client, service, base, phone) else { continue }
            state.withLock { $0.started.append(sid) }
            await approve(client, service, base, phone, sid)
        }
    }

    /// Starts a verification, repeating the request after failures; nil when stopped meanwhile.
    private func started(_ client: DeploymentClient, _ service: String, _ base: String, _ phone: String) async
        -> String?
    {
        while !isStopped {
            do {
                let reply = try await client.start(base, service, phone)
                if reply.status == 201, let sid = reply.json["sid"] as? String { return sid }
                record("start answered \(reply.status): \(reply.text)")
            } catch {
                record("start: \(error)")
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// Checks the right code until the answer is definite. A started flow is always finished, even when stopped.
    private func approve(
        _ client: DeploymentClient, _ service: String, _ base: String, _ phone: String, _ sid: String
    ) async {
        var retried = false
        for _ in 0..<600 {
            do {
                let code = try await client.code(for: phone)
                let reply = try await client.check(base, service, phone, code)
                if reply.status == 200, reply.json["status"] as? String == "approved" {
                    state.withLock { $0.approved.append(sid) }
                    return
                }
                if reply.status == 404 && retried {
                    state.withLock { $0.ambiguous.append(sid) }
                    return
                }
                record("check answered \(reply.status): \(reply.text)")
            } catch {
                record("check: \(error)")
            }
            retried = true
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func record(_ what: String) {
        state.withLock { $0.failures.append(Failure(at: .now, what: what)) }
    }
}
