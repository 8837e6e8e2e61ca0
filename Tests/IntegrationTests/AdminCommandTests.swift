import Foundation
import TestSupport
import Testing

@Suite("Admin commands")
struct AdminCommandTests {
    func json(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    @Test(
        "keys: create prints the secret once, list never does, revoke works once; the key authenticates until revoked")
    func keys() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let created = try await VerifydProcess.run(["keys", "create", "--name", "ci"], environment: environment.values)
        #expect(created.status == 0)
        let key = try #require(json(created.output).first)
        let sid = try #require(key["sid"] as? String)
        let secret = try #require(key["secret"] as? String)
        #expect(sid.hasPrefix("SK") && sid.count == 34)
        #expect(secret.count == 32)
        let listed = try await VerifydProcess.run(["keys", "list"], environment: environment.values)
        #expect(listed.status == 0)
        #expect(listed.output.contains(sid))
        #expect(!listed.output.contains(secret))
        #expect(
            try await IntegrationFixture.scalar(
                database, "SELECT count(*) FROM api_keys WHERE secret_sha256::text LIKE '%' || '\(secret)' || '%'")
                == "0")

        let process = try await VerifydProcess.serve(environment: environment.values)
        let http = TestHTTPClient()
        let authorization = "Basic " + Data("\(sid):\(secret)".utf8).base64EncodedString()
        #expect(
            try await http.send("GET", process.baseURL + "/v2/Services", headers: ["Authorization": authorization])
                .status == 200)
        #expect(try await VerifydProcess.run(["keys", "revoke", sid], environment: environment.values).status == 0)
        #expect(
            try await http.send("GET", process.baseURL + "/v2/Services", headers: ["Authorization": authorization])
                .status == 401)
        let again = try await VerifydProcess.run(["keys", "revoke", sid], environment: environment.values)
        #expect(again.status == 1, "revoking twice is a refused request")
        #expect(
            try await VerifydProcess.run(["keys", "revoke", "nonsense"], environment: environment.values).status == 1)
        await process.stop()
        try await database.drop()
    }

    @Test("services: create prints the service as the API does; list shows it; invalid settings are refused")
    func services() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let created = try await VerifydProcess.run(
            ["services", "create", "--friendly-name", "Acme", "--code-length", "8", "--code-validity", "300"],
            environment: environment.values)
        #expect(created.status == 0)
        let service = try #require(json(created.output).first)
        #expect(service["friendly_name"] as? String == "Acme")
        #expect(service["code_length"] as? Int == 8)
        #expect(service["code_validity_seconds"] as? Int == 300)
        #expect(service["account_sid"] as? String == environment.accountSid)
        let listed = try await VerifydProcess.run(["services", "list"], environment: environment.values)
        #expect(
            json(listed.output).compactMap { $0["sid"] as? String } == [service["sid"] as? String].compactMap { $0 })
        let invalid = try await VerifydProcess.run(
            ["services", "create", "--friendly-name", "Acme", "--code-length", "3"], environment: environment.values)
        #expect(invalid.status == 1)
        #expect(invalid.output.contains("CodeLength"))
        try await database.drop()
    }

    @Test("services geo: a service turns on a default-denied region for itself; typos and bad SIDs are refused")
    func serviceGeo() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let created = try await VerifydProcess.run(
            ["services", "create", "--friendly-name", "Lagos"], environment: environment.values)
        let sid = try #require(json(created.output).first?["sid"] as? String)
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let start = { (to: String) in
            try await api.post("/v2/Services/\(sid)/Verifications", [("To", to), ("Channel", "sms")]).status
        }
        #expect(try await start("+2348021234567") == 403)

        let set = try await VerifydProcess.run(
            ["services", "geo", sid, "--allow-sms", "ng", "--deny-voice", "*"], environment: environment.values)
        #expect(set.status == 0, "\(set.output)")
        let geo = try #require(json(set.output).first?["geo"] as? [String: [String: String]])
        #expect(geo["sms"] == ["allow": "NG", "deny": ""])
        #expect(geo["voice"] == ["allow": "", "deny": "*"])
        // The serving instance may remember the old settings for up to 5 seconds.
        let deadline = ContinuousClock.now + .seconds(30)
        var status = try await start("+2348021234567")
        while status != 201 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            status = try await start("+2348021234567")
        }
        #expect(status == 201)

        let shown = try await VerifydProcess.run(["services", "geo", sid], environment: environment.values)
        #expect(json(shown.output).first?["geo"] as? [String: [String: String]] == geo)
        let typo = try await VerifydProcess.run(
            ["services", "geo", sid, "--deny-sms", "UK"], environment: environment.values)
        #expect(typo.status == 1)
        #expect(typo.output.contains("GB"))
        let both = try await VerifydProcess.run(
            ["services", "geo", sid, "--deny-sms", "NG"], environment: environment.values)
        #expect(both.status == 1, "NG would be in both lists")
        #expect(
            try await VerifydProcess.run(["services", "geo", "VA123"], environment: environment.values).status == 1)
        await process.stop()
        try await database.drop()
    }

    @Test("phones: a blocked number gets nothing until unblocked; bad input is refused; no database is exit 2")
    func phones() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let blocked = try await VerifydProcess.run(
            ["phones", "block", "+14155550197", "--reason", "abuse report"], environment: environment.values)
        #expect(blocked.status == 0)
        let refused = try await api.post("/sms", [("number", "+14155550197")])
        #expect(refused.status == 403)
        #expect(
            try await VerifydProcess.run(["phones", "unblock", "+14155550197"], environment: environment.values).status
                == 0)
        #expect(try await api.post("/sms", [("number", "+14155550197")]).status == 202)
        #expect(
            try await VerifydProcess.run(
                ["phones", "block", "4155550197", "--reason", "x"], environment: environment.values
            ).status == 1)
        var unreachable = environment
        unreachable["DATABASE_URL"] = "host=127.0.0.1 port=1 dbname=none connect_timeout=2"
        #expect(
            try await VerifydProcess.run(["phones", "unblock", "+14155550197"], environment: unreachable.values).status
                == 2)
        await process.stop()
        try await database.drop()
    }
}
