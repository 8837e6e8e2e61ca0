import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Codes are never logged (but by the console sender, replaced here) and never returned by any API.
@Suite("Codes never leak")
struct CodeLeakTests {
    static let verifyNumber = "+14155550150"
    static let originalNumber = "+14155550151"

    @Test("a whole session logs no code and answers none, and /auth is logged by its route template")
    func session() async throws {
        try await withAPI { fixture, api in
            // Ten-digit codes everywhere, so no SID, request id or timestamp can contain one by chance.
            let defaultService = try await PostgresServiceStore(client: fixture.client).defaultService(named: "verifyd")
            try await fixture.client.query(
                "UPDATE services SET code_length = 10 WHERE sid = \(defaultService.sid.rawValue)")
            var bodies: [String] = []
            func keep(_ response: TestResponse) -> TestResponse {
                bodies.append(response.text + response.headers.map { "\($0.name): \($0.value)" }.joined())
                return response
            }

            let service = try await api.createService(["FriendlyName": "Leak Test", "CodeLength": "10"])
            let started = keep(
                try await api.post(APIClient.verifications(service), ["To": Self.verifyNumber, "Channel": "sms"]))
            let sid = try #require(try started.json()["sid"] as? String)
            _ = keep(
                try await api.post(APIClient.verifications(service), ["To": Self.verifyNumber, "Channel": "call"]))
            _ = keep(try await api.get(APIClient.verifications(service) + "/" + sid))
            _ = keep(try await api.check(service, to: Self.verifyNumber, code: "0000000000"))
            let verifyCode = try #require(fixture.sender.messages.first?.code.revealed)
            _ = keep(try await api.check(service, to: Self.verifyNumber, code: verifyCode))
            _ = keep(try await api.check(service, to: Self.verifyNumber, code: verifyCode))

            _ = keep(try await api.post("/sms", ["number": Self.originalNumber]))
            _ = keep(try await api.post("/who", ["number": Self.originalNumber]))
            let originalCode = try #require(fixture.sender.messages.last?.code.revealed)
            _ = keep(try await api.get("/auth/\(Self.originalNumber)/0000000000"))
            let approved = keep(try await api.request(.post, "/auth/\(Self.originalNumber)/\(originalCode)"))
            #expect(approved.status == .ok)
            _ = keep(try await api.request(.post, "/auth/\(Self.originalNumber)/\(originalCode)"))

            let codes = Set(fixture.sender.messages.map(\.code.revealed))
            #expect(codes.count == 2)
            #expect(codes.allSatisfy { $0.count == 10 })
            let lines = fixture.logs.all
            #expect(lines.count > 10)
            for code in codes {
                #expect(!lines.contains { $0.contains(code) }, "a log line holds a code")
                #expect(!bodies.contains { $0.contains(code) }, "a response holds a code")
            }
            let authLines = fixture.logs.lines(withMessage: "request").filter { $0.contains("/auth") }
            #expect(authLines.count == 3)
            for line in authLines {
                #expect(line.contains("route=/auth/{number}/{token}"))
                #expect(!line.contains("4155550151"))
            }
            // Numbers appear masked, if at all.
            #expect(!lines.contains { $0.contains(Self.verifyNumber) || $0.contains(Self.originalNumber) })
        }
    }

    @Test("an unmatched path is logged by its first segment only")
    func unmatchedPath() async throws {
        try await withAPI { fixture, api in
            _ = try await api.get("/auth/+14155550151/1234567890/extra")
            let lines = fixture.logs.lines(withMessage: "request")
            #expect(lines.count == 1)
            #expect(lines.allSatisfy { !$0.contains("1234567890") && !$0.contains("4155550151") })
        }
    }
}
