import Foundation
import TestSupport
import Testing

extension DeploymentTests {
    /// Straight to a primary and its streaming standby, no pgbouncer in the path (pgbouncer has a failover story of
    /// its own: see the README). `pg_ctl stop -m fast` sends the standby all WAL before the primary exits, so nothing
    /// committed is lost; after a crash with asynchronous replication the last commits can be.
    @Test("with the primary stopped under load and the standby promoted, no instance restarts and no approval is lost")
    func failover() async throws {
        let primary = try await ScratchCluster.create()
        var standby: ScratchCluster?
        var instances: [VerifydProcess] = []
        do {
            try await primary.query("CREATE DATABASE verifyd")
            let promoted = try await ScratchCluster.standby(of: primary)
            standby = promoted
            var environment = deployment.environment
            environment["DATABASE_URL"] =
                "postgresql://postgres@127.0.0.1:\(primary.port),127.0.0.1:\(promoted.port)/verifyd"
                + "?target_session_attrs=read-write"
            environment["VERIFYD_SHUTDOWN_DRAIN_SECONDS"] = "0"
            let migrate = try VerifydProcess.launch(["migrate"], environment: environment.values)
            #expect(try await migrate.waitForExit(timeout: .seconds(60)) == 0)
            for _ in 0..<3 { instances.append(try await VerifydProcess.serve(environment: environment.values)) }
            for instance in instances + [migrate] { await deployment.adopt(log: instance.logPath) }
            let bases = instances.map(\.baseURL)
            let service = try await client.createService(bases[0])
            let load = SteadyLoad.start(workers: 6, client: client, service: service, bases: bases)
            try await Task.sleep(for: .seconds(2))

            let stopped = ContinuousClock.now
            try await primary.stop(mode: .fast)
            try await promoted.promote()
            let promotedAfter = ContinuousClock.now - stopped
            let before = load.outcome.approved.count
            let recovered = await eventually(within: .seconds(60)) { load.outcome.approved.count >= before + 30 }
            let outcome = await load.stop()
            #expect(recovered, "approvals resume after the promotion")
            #expect(instances.allSatisfy { $0.isRunning }, "no instance exited or restarted")
            #expect(outcome.doubled.isEmpty, "approved twice: \(outcome.doubled)")
            let stored = try await promoted.query(
                "SELECT sid FROM verifications WHERE status = 'approved'", database: "verifyd")
            let approvedInDatabase = Set(stored.split(separator: "\n").map(String.init))
            #expect(approvedInDatabase.isSuperset(of: outcome.approved), "no approval lost")
            #expect(approvedInDatabase.subtracting(outcome.approved).isSubset(of: outcome.ambiguous))
            #expect(outcome.errorWindow < .seconds(60))
            print(
                "deployment: failover: promoted \(promotedAfter) after the stop; error window \(outcome.errorWindow), "
                    + "\(outcome.failures.count) failed requests; \(outcome.approved.count) approvals, "
                    + "\(outcome.ambiguous.count) ambiguous, none lost or doubled")
        } catch {
            for instance in instances { await instance.stop() }
            try? await standby?.destroy()
            try? await primary.destroy()
            throw error
        }
        for instance in instances { await instance.stop() }
        try await standby?.destroy()
        try await primary.destroy()
    }
}
