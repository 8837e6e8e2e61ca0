import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing

/// A database out of reach is the service's problem, not the request's: 503 with `Retry-After`, never 500.
@Suite("Database unavailable")
struct UnavailableTests {
    @Test("with every connection busy past the pool timeout, the Verify API answers 503 / 20503 and /sms a bare 503")
    func poolExhausted() async throws {
        let environment = ["VERIFYD_DB_POOL_SIZE": "1", "VERIFYD_DB_POOL_TIMEOUT_MS": "300"]
        try await HTTPFixture.run(environment: environment) { _, app in
            try await app.application.test(.router) { client in
                let api = APIClient(client: client)
                let service = try await api.createService()
                let held = await HeldConnection.hold(app.postgres)
                let start = try await api.post(
                    APIClient.verifications(service), ["To": "+14155550199", "Channel": "sms"])
                try start.expectTwilioError(.serviceUnavailable, code: 20503, message: "Service unavailable")
                #expect(start.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
                let sms = try await api.post("/sms", ["number": "+14155550199"])
                #expect(sms.status == .serviceUnavailable)
                #expect(sms.headers[.retryAfter].flatMap { Int($0) }.map { $0 >= 1 } == true)
                #expect(sms.text.isEmpty)
                let auth = try await api.request(.post, "/auth/+14155550199/123456")
                #expect(auth.status == .serviceUnavailable, "not a 403: nobody checked the code")
                try await held.release()
                #expect(try await api.post("/sms", ["number": "+14155550199"]).status == .accepted)
            }
        }
    }
}
