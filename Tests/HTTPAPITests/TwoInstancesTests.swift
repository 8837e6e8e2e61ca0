import App
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// Two routers on one database, as two `verifyd serve` instances behind a balancer.
@Suite("Two instances")
struct TwoInstancesTests {
    @Test("two instances racing /sms for different numbers create exactly one default service")
    func defaultServiceRace() async throws {
        try await HTTPFixture.run(environment: HTTPFixture.concurrent) { fixture, first in
            let second = try await fixture.makeApp(environment: HTTPFixture.concurrent)
            do {
                try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                            for index in 0..<16 {
                                let client = APIClient(client: index.isMultiple(of: 2) ? one : two)
                                group.addTask {
                                    try await client.post("/sms", ["number": "+1415555\(1000 + index)"]).status
                                }
                            }
                            return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                        }
                        #expect(statuses == Array(repeating: .accepted, count: 16))
                    }
                }
            } catch {
                await second.postgres.close()
                throw error
            }
            await second.postgres.close()
            let rows = try await fixture.client.query(
                """
                SELECT count(*), count(DISTINCT service_sid) FROM services, verifications
                WHERE services.default_marker IS NOT NULL AND verifications.service_sid = services.sid
                """)
            #expect(try rows[0].decode(0, as: Int.self) == 16)
            #expect(try rows[0].decode(1, as: Int.self) == 1)
            let defaults: Int = try await fixture.scalar("SELECT count(*) FROM services")
            #expect(defaults == 1)
            #expect(fixture.sender.messages.count == 16)
        }
    }

    @Test("a code sent through one instance is approved through the other, once")
    func crossInstanceCheck() async throws {
        try await HTTPFixture.run(environment: HTTPFixture.concurrent) { fixture, first in
            let second = try await fixture.makeApp(environment: HTTPFixture.concurrent)
            do {
                try await first.application.test(.router) { one in
                    try await second.application.test(.router) { two in
                        let api = APIClient(client: one)
                        let other = APIClient(client: two)
                        let service = try await api.createService()
                        _ = try await api.start(service, to: "+14155550140")
                        let code = try #require(fixture.sender.messages.first?.code.revealed)
                        let approved = try await other.check(service, to: "+14155550140", code: code)
                        #expect(try approved.json()["status"] as? String == "approved")
                        try await api.check(service, to: "+14155550140", code: code).expectTwilioError(
                            .notFound, code: 20404)
                    }
                }
            } catch {
                await second.postgres.close()
                throw error
            }
            await second.postgres.close()
        }
    }
}
