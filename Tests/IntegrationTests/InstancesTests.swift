import Foundation
import TestSupport
import Testing

/// Two `verifyd serve` processes on one database, as behind a load balancer: exactly-once approval and attempt
/// limits must hold across them.
@Suite("Many instances, one database")
struct InstancesTests {
    struct Pair {
        let database: TestDatabase
        let environment: VerifydEnvironment
        let first: API
        let second: API

        static func start(_ extra: [String: String] = [:]) async throws -> Pair {
            let database = try await IntegrationFixture.migratedDatabase()
            var environment = VerifydEnvironment(databaseURL: database.connectionString)
            environment["VERIFYD_DB_POOL_SIZE"] = "8"
            for (name, value) in extra { environment[name] = value }
            let first = try await VerifydProcess.serve(environment: environment.values)
            let second = try await VerifydProcess.serve(environment: environment.values)
            return Pair(
                database: database, environment: environment, first: API(process: first, environment: environment),
                second: API(process: second, environment: environment))
        }

        func instance(_ index: Int) -> API { index.isMultiple(of: 2) ? first : second }

        func stop() async throws {
            await first.process.stop()
            await second.process.stop()
            try await database.drop()
        }
    }

    @Test("50 concurrent checks of the right code across two instances approve exactly once")
    func exactlyOnceApproval() async throws {
        let pair = try await Pair.start()
        let service = try await pair.first.createService()
        let phone = "+14155550142"
        let started = try await pair.first.post(
            "/v2/Services/\(service)/Verifications", [("To", phone), ("Channel", "sms")])
        #expect(started.status == 201)
        let code = try await IntegrationFixture.waitForCode(pair.first.process, to: phone)
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let reply = try await pair.instance(index).post(
                        "/v2/Services/\(service)/VerificationCheck", [("To", phone), ("Code", code)])
                    return (reply.status, reply.json["status"] as? String)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0.0 == 200 && $0.1 == "approved" }.count == 1)
        #expect(statuses.filter { $0.0 == 404 }.count == 49)
        let approvedRows = try await IntegrationFixture.scalar(
            pair.database, "SELECT count(*) FROM verifications WHERE status = 'approved'")
        #expect(approvedRows == "1")
        try await pair.stop()
    }

    @Test("50 concurrent wrong codes across two instances use exactly the 5 attempts allowed")
    func attemptLimitAcrossInstances() async throws {
        let pair = try await Pair.start()
        let service = try await pair.first.createService([("MaxCheckAttempts", "5")])
        let phone = "+14155550143"
        _ = try await pair.first.post("/v2/Services/\(service)/Verifications", [("To", phone), ("Channel", "sms")])
        let code = try await IntegrationFixture.waitForCode(pair.first.process, to: phone)
        let wrong = code == "000000" ? "111111" : "000000"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await pair.instance(index).post(
                        "/v2/Services/\(service)/VerificationCheck", [("To", phone), ("Code", wrong)]
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 5)
        #expect(statuses.filter { $0 == 429 }.count == 45)
        let attempts = try await IntegrationFixture.scalar(pair.database, "SELECT check_attempts FROM verifications")
        #expect(attempts == "5")
        let right = try await pair.second.post(
            "/v2/Services/\(service)/VerificationCheck", [("To", phone), ("Code", code)])
        #expect(right.status == 429)
        #expect(right.json["code"] as? Int == 60202)
        #expect(right.header("Retry-After") != nil)
        try await pair.stop()
    }

    @Test("the original flow: /sms then /auth answers 200 once, then 403; two instances create one default service")
    func originalFlow() async throws {
        let pair = try await Pair.start(["VERIFYD_DEFAULT_COUNTRY_CODE": "1"])
        let phones = (0..<10).map { "+1415555020\($0)" }
        let sent = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, phone) in phones.enumerated() {
                group.addTask { try await pair.instance(index).post("/sms", [("number", phone)]).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sent.allSatisfy { $0 == 202 })
        let defaults = try await IntegrationFixture.scalar(
            pair.database, "SELECT count(*) FROM services WHERE default_marker = 'default'")
        #expect(defaults == "1")
        // phones[0] went to instance 0, the first.
        let code = try await IntegrationFixture.waitForCode(pair.first.process, to: phones[0])
        let first = try await pair.second.post("/auth/%2B14155550200/\(code)")
        #expect(first.status == 200)
        #expect(first.body.isEmpty)
        let again = try await pair.first.post("/auth/+14155550200/\(code)")
        #expect(again.status == 403)
        // A national number is read with VERIFYD_DEFAULT_COUNTRY_CODE.
        #expect(try await pair.first.post("/sms", [("number", "(415) 555-0299")]).status == 202)
        let national = try await IntegrationFixture.waitForCode(pair.first.process, to: "+14155550299")
        #expect(try await pair.second.post("/auth/4155550299/\(national)").status == 200)
        try await pair.stop()
    }
}
