import Foundation
import TestSupport
import Testing

/// PostgreSQL going away under steady load, for one live instance: stopped outright, and the path to it going
/// silent. Each test prints its figures (`FaultFigures`) and asserts the invariants with generous bounds only; the
/// targets the figures are judged by (no failures outside the fault, ready within 10 s of its end) are not asserted
/// on a shared machine.
@Suite("Database faults under load")
struct DatabaseFaultTests {
    /// Deadlines short enough that a failure is quick, as an operator of a login path would set them.
    static let deadlines = ["VERIFYD_DB_POOL_TIMEOUT_MS": "1000", "VERIFYD_DB_ROUND_TRIP_TIMEOUT_MS": "3000"]
    /// However loaded the machine, a failed answer must come long before a client's own timeout.
    static let quickFailure = Duration.seconds(15)

    @Test("PostgreSQL stopped for 20 s under load: 503s while it is down, no restart, and nothing lost")
    func databaseStopped() async throws {
        try await ScratchCluster.withCluster { cluster in
            var environment = VerifydEnvironment(databaseURL: cluster.conninfo + " connect_timeout=2")
            for (name, value) in Self.deadlines { environment[name] = value }
            let process = try await VerifydProcess.serve(
                environment: environment.values, arguments: ["serve", "--migrate"])
            let api = API(process: process, environment: environment)
            let pid = process.processIdentifier
            let service = try await api.createService()

            let load = SteadyLoad(api, service: service)
            try await Task.sleep(for: .seconds(3))
            let began = ContinuousClock.now
            try await cluster.stop(mode: .fast)
            let down = ContinuousClock.now
            try await Task.sleep(until: began + .seconds(20))
            let restarting = ContinuousClock.now
            try await cluster.start()
            let ended = ContinuousClock.now
            let ready = try await Self.ready(process, within: .seconds(60))
            try await Task.sleep(for: .seconds(3))
            let figures = FaultFigures(
                name: "PostgreSQL stopped", answers: await load.stop(), began: began, ended: ended, ready: ready)
            print(figures)

            // Answered while it was down: PostgreSQL accepts connections before `pg_ctl start` returns, so a request
            // answered during the start may rightly succeed.
            let whileDown = figures.answers.filter { $0.sentAt >= down && $0.sentAt + $0.took < restarting }
            #expect(!whileDown.isEmpty && whileDown.allSatisfy { $0.failed }, "every request while it is down fails")
            #expect(whileDown.allSatisfy { $0.took < Self.quickFailure }, "a failure takes \(figures.slowestFailure)")
            #expect(figures.after.last?.failed == false, "requests succeed again")
            #expect(process.isRunning && process.processIdentifier == pid, "the instance never restarted")
            try await figures.expectInvariants { try await cluster.query($0) }
            await process.stop()
        }
    }

    @Test("the path to PostgreSQL black-holed for 10 s under load: failures within the deadlines, then recovery")
    func pathBlackHoled() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let proxy = try await TCPProxy.start(forwardingTo: "127.0.0.1", port: try database.port)
        var environment = VerifydEnvironment(
            databaseURL: database.connectionString(through: proxy) + " connect_timeout=2")
        for (name, value) in Self.deadlines { environment[name] = value }
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let service = try await api.createService()

        let load = SteadyLoad(api, service: service)
        try await Task.sleep(for: .seconds(3))
        let began = ContinuousClock.now
        proxy.setMode(.blackHole)
        try await Task.sleep(for: .seconds(10))
        proxy.setMode(.forward)
        let ended = ContinuousClock.now
        let ready = try await Self.ready(process, within: .seconds(60))
        try await Task.sleep(for: .seconds(3))
        let figures = FaultFigures(
            name: "path black-holed", answers: await load.stop(), began: began, ended: ended, ready: ready)
        print(figures)

        // Requests in flight when the path went silent end at their deadline too.
        #expect(figures.during.contains { $0.failed }, "requests fail while the path is silent")
        #expect(figures.answers.allSatisfy { $0.took < Self.quickFailure }, "slowest answer past the deadlines")
        #expect(figures.after.last?.failed == false, "requests succeed again")
        #expect(process.isRunning)
        try await figures.expectInvariants { try await IntegrationFixture.scalar(database, $0) }
        await process.stop()
        await proxy.close()
        try await database.drop()
    }

    /// The instant `/readyz` first answers 200; fails the test past `limit`.
    static func ready(_ process: VerifydProcess, within limit: Duration) async throws -> ContinuousClock.Instant {
        let ready = await process.becomesReady(within: limit)
        #expect(ready, "not ready within \(limit) of the fault's end")
        return ContinuousClock.now
    }
}
