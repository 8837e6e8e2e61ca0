import Foundation
import TestSupport
import Testing

/// `verifyd serve` as an operator's tooling reads it: JSON log lines and the metrics port.
@Suite("verifyd serve: logs and metrics")
struct ObservabilityProcessTests {
    @Test("in JSON mode each event is one JSON object, and a request's lines carry its id and the instance")
    func jsonLines() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment.values["VERIFYD_LOG_FORMAT"] = "json"
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let service = try await api.createService()
        let reply = try await api.http.send(
            "POST", process.baseURL + "/v2/Services/\(service)/Verifications",
            form: [("To", "+14155550188"), ("Channel", "sms")],
            headers: ["Authorization": environment.basicAuthorization, "X-Request-Id": "json-start-7"])
        #expect(reply.status == 201)
        try await process.waitForLog(matching: "verification.started")
        await process.stop()
        try await database.drop()

        let objects = try process.log.split(separator: "\n").map { line in
            try #require(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not one JSON object: \(line)")
        }
        let request = try #require(
            objects.first { $0["message"] as? String == "request" && $0["hb.request.id"] as? String == "json-start-7" })
        #expect(request["method"] as? String == "POST")
        #expect(request["route"] as? String == "/v2/Services/{service}/Verifications")
        #expect(request["status"] as? Int == 201)
        #expect(request["ms"] is Int)
        #expect((request["instance"] as? String)?.contains("/\(process.processIdentifier)") == true)
        let started = try #require(objects.first { $0["message"] as? String == "verification.started" })
        #expect(started["hb.request.id"] as? String == "json-start-7")
        #expect(started["to"] as? String == "+1***88")
        #expect(!process.log.contains("+14155550188"), "a full number in the log")
    }

    @Test("VERIFYD_METRICS_PORT serves /metrics there without credentials, and the API's port still asks for them")
    func metricsPort() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment.values["VERIFYD_METRICS_PORT"] = "0"
        let process = try await VerifydProcess.serve(environment: environment.values)
        let listening = try await process.waitForLog(matching: "metrics.listening")
        let port = try #require(listening.firstMatch(of: /port=(\d+)/).map { String($0.1) })
        let http = TestHTTPClient()
        #expect(await process.becomesReady())
        let scraped = try await http.send("GET", "http://127.0.0.1:\(port)/metrics")
        let onAPIPort = try await http.send("GET", process.baseURL + "/metrics")
        await process.stop()
        try await database.drop()

        #expect(scraped.status == 200)
        #expect(scraped.text.contains(#"verifyd_http_requests_total{method="GET",route="/readyz",status="200"} 1"#))
        #expect(scraped.text.contains("verifyd_db_pool_capacity"), "\(scraped.text)")
        #expect(onAPIPort.status == 401)
    }
}
