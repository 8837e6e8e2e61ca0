import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// Single use under concurrency, seen through HTTP.
@Suite("Concurrent requests")
struct ConcurrentRequestTests {
    static let to = "+14155550195"

    static func statuses(_ count: Int, _ request: @escaping @Sendable () async throws -> TestResponse) async throws
        -> [HTTPResponse.Status]
    {
        try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
            for _ in 0..<count { group.addTask { try await request().status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("50 concurrent checks of the right code: one 200, 49 404")
    func rightCode() async throws {
        try await withAPI(environment: HTTPFixture.concurrent) { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let statuses = try await Self.statuses(50) { try await api.check(service, to: Self.to, code: code) }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .notFound }.count == 49)
        }
    }

    @Test("50 concurrent wrong codes with max 5: five 200, the rest 429, stored attempts 5, the right code 429")
    func wrongCodes() async throws {
        try await withAPI(environment: HTTPFixture.concurrent) { fixture, api in
            let service = try await api.createService(["FriendlyName": "Api Test", "MaxCheckAttempts": "5"])
            _ = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let statuses = try await Self.statuses(50) { try await api.check(service, to: Self.to, code: "00000000") }
            #expect(statuses.filter { $0 == .ok }.count == 5)
            #expect(
                statuses.filter { $0 == .tooManyRequests }.count == 45,
                "\(statuses.map(\.code)) \(fixture.logs.all.filter { $0.hasPrefix("error") || $0.hasPrefix("warning") })"
            )
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 5)
            try await api.check(service, to: Self.to, code: code).expectTwilioError(.tooManyRequests, code: 60202)
        }
    }

    @Test("20 concurrent /sms for one number: at most five sends of one code, the rest 429")
    func concurrentSms() async throws {
        try await withAPI(environment: HTTPFixture.concurrent) { fixture, api in
            let statuses = try await Self.statuses(20) { try await api.post("/sms", ["number": Self.to]) }
            let accepted = statuses.filter { $0 == .accepted }.count
            #expect((1...5).contains(accepted))
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 20 - accepted)
            #expect(fixture.sender.messages.count == accepted)
            #expect(Set(fixture.sender.messages.map(\.code.revealed)).count == 1)
        }
    }
}
