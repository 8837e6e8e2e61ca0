import Foundation
import TestSupport
import Testing

@Suite("Expiry")
struct ExpiryTests {
    @Test("a pending verification past its validity becomes expired and loses its ciphertext without being touched")
    func sweeperExpires() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment["VERIFYD_DISPATCH_INTERVAL_MS"] = "50"
        let api = API(
            process: try await VerifydProcess.serve(environment: environment.values), environment: environment)
        let service = try await api.createService()
        let started = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550195"), ("Channel", "sms")])
        #expect(started.status == 201)
        #expect(
            try await IntegrationFixture.scalar(database, "SELECT code_ciphertext IS NOT NULL FROM verifications")
                == "true")
        try await IntegrationFixture.execute(
            database, "UPDATE verifications SET expires_at = now() - interval '1 second'")
        var state: String?
        for _ in 0..<100 {
            state = try await IntegrationFixture.scalar(
                database, "SELECT status || '/' || (code_ciphertext IS NULL) FROM verifications")
            if state == "expired/true" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state == "expired/true")
        await api.process.stop()
        try await database.drop()
    }
}
