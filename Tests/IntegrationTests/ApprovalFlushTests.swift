import Foundation
import TestSupport
import Testing

/// A serving instance writes the prefix rule's approvals a second after the checks, and the last of them as it stops.
@Suite("Approval flushes")
struct ApprovalFlushTests {
    static let phones = ["+14155550186", "+14155550187"]
    static let approvals =
        "SELECT coalesce(sum(hits), 0)::integer FROM abuse_counters WHERE rule = 'prefix_approved' AND subject = '+14155550'"

    @Test("an approval reaches the prefix's counter while the instance serves, and one just before it stops too")
    func approvalsFlushed() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let process = try await VerifydProcess.serve(environment: environment.values)
        let api = API(process: process, environment: environment)
        let service = try await api.createService()
        func approve(_ phone: String) async throws {
            #expect(
                try await api.post(
                    "/v2/Services/\(service)/Verifications", [("To", phone), ("Channel", "sms")]
                ).status == 201)
            let code = try await IntegrationFixture.waitForCode(process, to: phone)
            let check = try await api.post(
                "/v2/Services/\(service)/VerificationCheck", [("To", phone), ("Code", code)])
            #expect(check.json["status"] as? String == "approved")
        }
        try await approve(Self.phones[0])
        #expect(
            try await IntegrationFixture.scalar(database, Self.approvals, becomes: "1", within: .seconds(10)) == "1")
        try await approve(Self.phones[1])
        process.terminate()
        #expect(try await process.waitForExit() == 0)
        #expect(try await IntegrationFixture.scalar(database, Self.approvals) == "2")
        try await database.drop()
    }
}
