import Foundation
import TestSupport
import Testing

/// No log line, with the identifiers in it, narrows a number down to fewer than a million candidates: masked numbers
/// hide at least six digits, and the SIDs that carry 16 bits of the number's hash lose them in the log.
@Suite("Log privacy")
struct LogPrivacyTests {
    static let phone = "+14155550186"

    @Test("a start, a fetch, two checks and /sms at debug level log no number and no SID bucket")
    func logsHideNumbers() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment.values["VERIFYD_LOG_LEVEL"] = "debug"
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let service = try await api.createService()
        let started = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", Self.phone), ("Channel", "sms")])
        #expect(started.status == 201)
        let sid = try #require(started.json["sid"] as? String)
        #expect(try await api.get("/v2/Services/\(service)/Verifications/\(sid)").status == 200)
        let code = try await IntegrationFixture.waitForCode(process, to: Self.phone)
        _ = try await api.post("/v2/Services/\(service)/VerificationCheck", [("To", Self.phone), ("Code", "000000")])
        let check = try await api.post(
            "/v2/Services/\(service)/VerificationCheck", [("To", Self.phone), ("Code", code)])
        #expect(check.json["status"] as? String == "approved")
        #expect(try await api.post("/sms", [("number", "+14155550187")]).status == 202)
        await process.stop()
        try await database.drop()

        let log = process.log
        #expect(log.contains("verification.checked"), "the flow logged nothing to search")
        #expect(log.contains(String(sid.dropFirst(6))), "the SID's random part no longer follows it through the log")
        let bucketed = log.matches(of: /(VE|VL|GN)[0-9a-fA-F]{32}/).map { String($0.output.0) }
        #expect(bucketed.isEmpty, "SIDs with their bucket in the log: \(bucketed)")
        for number in [Self.phone, "+14155550187"] {
            let digits = Array(number.dropFirst())
            for start in 0...(digits.count - 5) {
                let window = String(digits[start..<(start + 5)])
                #expect(!log.contains(window), "five digits of \(number.prefix(2))… in the log: \(window)")
            }
        }
        for mask in log.matches(of: /\+?\d*\*\*\*\d*/) {
            let shown = mask.output.filter(\.isNumber).count
            #expect(shown <= 3, "a mask shows \(shown) digits: \(mask.output)")
        }
    }
}
