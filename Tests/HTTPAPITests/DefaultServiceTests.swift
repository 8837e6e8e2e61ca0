import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// The service behind the original routes: `VERIFYD_DEFAULT_SERVICE`, or one created on first use.
@Suite("Default service of the original routes")
struct DefaultServiceTests {
    static let number = "+14155550197"

    @Test("without configuration the default service is created on first use, named, and listed like any other")
    func createdOnFirstUse() async throws {
        try await withAPI(environment: ["VERIFYD_DEFAULT_SERVICE_NAME": "Acme Codes"]) { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
            #expect(try await api.post("/sms", ["number": "+14155550198"]).status == .accepted)
            let listed = try await api.get(APIClient.services()).json()
            let services = try #require(listed["services"] as? [[String: Any]])
            #expect(services.count == 1)
            #expect(services.first?["friendly_name"] as? String == "Acme Codes")
            #expect(fixture.sender.messages.map(\.serviceName) == ["Acme Codes", "Acme Codes"])
        }
    }

    @Test("VERIFYD_DEFAULT_SERVICE names the service the original routes use")
    func configured() async throws {
        try await HTTPFixture.run { fixture, first in
            let sid = try await first.application.test(.router) { client in
                try await APIClient(client: client).createService(["FriendlyName": "Configured", "CodeLength": "8"])
            }
            let configured = try await fixture.makeApp(environment: ["VERIFYD_DEFAULT_SERVICE": sid])
            do {
                try await configured.application.test(.router) { client in
                    let api = APIClient(client: client)
                    #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
                    let code = try #require(fixture.sender.messages.first?.code.revealed)
                    #expect(code.count == 8)
                    #expect(try await api.request(.post, "/auth/\(Self.number)/\(code)").status == .ok)
                }
            } catch {
                await configured.postgres.close()
                throw error
            }
            await configured.postgres.close()
            let services: Int = try await fixture.scalar("SELECT count(*) FROM services")
            #expect(services == 1)
        }
    }

    @Test("an instance refuses to start when VERIFYD_DEFAULT_SERVICE does not exist")
    func configuredMissing() async throws {
        try await HTTPFixture.run { fixture, _ in
            await #expect(throws: StartupError.self) {
                _ = try await fixture.makeApp(environment: [
                    "VERIFYD_DEFAULT_SERVICE": "VA" + String(repeating: "0", count: 32)
                ])
            }
        }
    }

    @Test("after the default service is deleted, the original routes work again with a new one")
    func deletedDefault() async throws {
        try await withAPI { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.number]).status == .accepted)
            let sid: String = try await fixture.scalar("SELECT sid FROM services WHERE default_marker IS NOT NULL")
            #expect(try await api.delete(APIClient.services() + "/" + sid).status == .noContent)
            let again = try await api.post("/sms", ["number": Self.number])
            #expect(again.status == .accepted)
            let services: Int = try await fixture.scalar("SELECT count(*) FROM services WHERE deleted_at IS NULL")
            #expect(services == 1)
        }
    }
}
