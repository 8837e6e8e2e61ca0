import Foundation
import TestSupport
import Testing

@Suite("Liveness and readiness")
struct ReadinessTests {
    /// Polls `path` until it answers `status`, for at most `timeout`.
    func eventually(_ url: String, answers status: Int, within timeout: Duration) async throws -> Bool {
        let http = TestHTTPClient()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await http.send("GET", url))?.status == status { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("/readyz and requests are 503 while the database is stopped, 200 once it is back; /healthz stays 200")
    func databaseOutage() async throws {
        try await ScratchCluster.withCluster { cluster in
            var environment = VerifydEnvironment(databaseURL: cluster.conninfo + " connect_timeout=2")
            environment["VERIFYD_DB_POOL_TIMEOUT_MS"] = "500"
            let process = try await VerifydProcess.serve(
                environment: environment.values, arguments: ["serve", "--migrate"])
            let api = API(process: process, environment: environment)
            let http = TestHTTPClient()
            #expect(await process.becomesReady())
            let service = try await api.createService()

            try await cluster.stop(mode: .fast)
            #expect(try await eventually(process.baseURL + "/readyz", answers: 503, within: .seconds(5)))
            #expect(try await http.send("GET", process.baseURL + "/healthz").status == 200)
            let during = try await api.post(
                "/v2/Services/\(service)/Verifications", [("To", "+14155550199"), ("Channel", "sms")])
            #expect(during.status == 503, "the database is out of reach, not the request wrong")
            #expect(during.json["code"] as? Int == 20503)
            #expect(during.header("Retry-After").flatMap { Int($0) }.map { $0 >= 1 } == true)
            let original = try await api.post("/sms", [("number", "+14155550199")])
            #expect(original.status == 503)

            try await cluster.start()
            #expect(try await eventually(process.baseURL + "/readyz", answers: 200, within: .seconds(10)))
            let after = try await api.post(
                "/v2/Services/\(service)/Verifications", [("To", "+14155550199"), ("Channel", "sms")])
            #expect(after.status == 201)
            #expect(process.isRunning)
            await process.stop()
        }
    }
}
