import Foundation
import TestSupport
import Testing

extension DeploymentTests {
    @Test("a rolling restart under steady load fails no request and loses nothing")
    func rollingRestart() async throws {
        let service = try await client.createService(front)
        let load = SteadyLoad.start(workers: 8, client: client, service: service, bases: [front])
        try await Task.sleep(for: .seconds(1))
        for index in deployment.ports.indices {
            let name = deployment.serverName(index)
            let downs = deployment.balancer.logLines(containing: "\(name) is DOWN")
            let instance = await deployment.instance(index)
            instance.terminate()
            try await deployment.balancer.waitForLog(matching: "\(name) is DOWN", count: downs + 1)
            #expect(instance.isRunning, "the drain outlasts the balancer's health checks (fall × inter)")
            #expect(try await instance.waitForExit(timeout: .seconds(30)) == 0)
            try await deployment.startAgain(index)
        }
        try await Task.sleep(for: .seconds(1))
        let outcome = await load.stop()
        #expect(outcome.failures.isEmpty, "\(outcome.failures.prefix(5).map(\.what))")
        #expect(!outcome.started.isEmpty)
        #expect(outcome.approved.count == outcome.started.count)
        #expect(outcome.doubled.isEmpty)
        let stored = try await deployment.sql(
            "SELECT count(*) FILTER (WHERE status = 'approved') || '/' || count(*) FROM verifications "
                + "WHERE service_sid = '\(service)'")
        #expect(stored == "\(outcome.started.count)/\(outcome.started.count)")
        print(
            "deployment: rolling restart of 3 instances: \(outcome.started.count) verifications started and approved, "
                + "\(outcome.failures.count) failed requests")
    }

    @Test("an instance killed with SIGKILL under load leaves every verification it accepted sent or unknown")
    func killedInstance() async throws {
        let service = try await client.createService(front)
        let load = SteadyLoad.start(workers: 8, client: client, service: service, bases: [front])
        try await Task.sleep(for: .seconds(2))
        let doomed = await deployment.instance(1)
        doomed.kill()
        try await doomed.waitForExit()
        try await Task.sleep(for: .seconds(2))
        let outcome = await load.stop()
        try await deployment.startAgain(1)

        // A send the dead instance had claimed stays `sending` until its lease (5 s here) runs out; then any
        // instance marks it unknown, never sends it again.
        let settled = await eventually(within: .seconds(60)) {
            (try? await deployment.sql(
                "SELECT count(*) FROM delivery_attempts WHERE status IN ('queued', 'sending')")) == "0"
        }
        #expect(settled)
        let unsent = try await deployment.sql(
            """
            SELECT count(*) FROM verifications v WHERE service_sid = '\(service)' AND NOT EXISTS (
                SELECT FROM delivery_attempts a WHERE a.bucket = v.bucket AND a.verification_sid = v.sid
                    AND a.status IN ('sent', 'delivered', 'unknown'))
            """)
        #expect(unsent == "0")
        let sids = outcome.started.joined(separator: ",")
        let accepted = try await deployment.sql(
            "SELECT count(*) FROM verifications WHERE sid = ANY('{\(sids)}'::text[])")
        #expect(accepted == "\(outcome.started.count)", "every start answered 201 is stored")
        #expect(outcome.doubled.isEmpty)
        let unknown = try await deployment.sql(
            """
            SELECT count(*) FROM delivery_attempts a JOIN verifications v
                ON v.bucket = a.bucket AND v.sid = a.verification_sid
            WHERE v.service_sid = '\(service)' AND a.status = 'unknown'
            """)
        print(
            "deployment: SIGKILL under load: \(outcome.started.count) verifications started, \(unknown) sends "
                + "unknown, none lost; \(outcome.failures.count) requests failed at the client "
                + "(\(outcome.failures.map(\.what).prefix(3)))")
    }

    @Test("verifyd migrate from three processes at once, while the instances serve, applies each migration once")
    func concurrentMigrations() async throws {
        let migrations = try FileManager.default.contentsOfDirectory(
            atPath: LoopbackDeployment.repositoryRoot.appendingPathComponent("migrations").path
        ).filter { $0.hasSuffix(".sql") }.count
        try await deployment.database.query("CREATE DATABASE verifyd_fresh")
        let service = try await client.createService(front)
        let load = SteadyLoad.start(workers: 4, client: client, service: service, bases: [front])
        // Three at once on a fresh database and three at once on the one being served (nothing pending there).
        let targets = ["verifyd_fresh", "verifyd"].flatMap { [String](repeating: $0, count: 3) }
        let runs = try await concurrently(targets.count, width: targets.count) { index in
            var environment = deployment.environment
            environment["DATABASE_URL"] = deployment.database.conninfo(database: targets[index])
            let process = try VerifydProcess.launch(["migrate"], environment: environment.values)
            return (try await process.waitForExit(timeout: .seconds(60)), process.logPath)
        }
        for (_, log) in runs { await deployment.adopt(log: log) }
        let outcome = await load.stop()
        #expect(runs.map(\.0) == [Int32](repeating: 0, count: targets.count))
        for database in ["verifyd_fresh", "verifyd"] {
            let applied = try await deployment.database.query(
                "SELECT count(*) || '/' || count(DISTINCT version) FROM schema_migrations", database: database)
            #expect(applied == "\(migrations)/\(migrations)", "\(database)")
        }
        #expect(outcome.failures.isEmpty, "\(outcome.failures.prefix(5).map(\.what))")
        #expect(outcome.approved.count == outcome.started.count)
    }
}
