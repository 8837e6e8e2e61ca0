import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// The per (service, phone) cap on consecutive failed checks across verifications, and how it decays.
@Suite("Consecutive-failure cap per phone")
struct PhoneFailureCapTests {
    let phone = testPhone(5)
    static let settings = Verifier.Settings(phoneFailureCap: 3)

    /// Fails `count` checks: re-sending the pending verification in between, and replacing it with a new one after
    /// the first failure, so the failures span two verifications.
    static func fail(_ count: Int, service: VerifyService, phone: PhoneNumber, fixture: StoreFixture) async throws {
        for index in 0..<count {
            let started = try await fixture.start(service, phone)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            if index == 0 {
                _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            }
        }
    }

    static func failures(_ fixture: StoreFixture, service: VerifyService) async throws -> Int {
        try await fixture.scalar(
            """
            SELECT coalesce(sum(consecutive_failures), 0)::integer FROM phone_check_failures
            WHERE service_sid = \(service.sid.rawValue)
            """)
    }

    @Test("failures across verifications accumulate, and at the cap a start is refused for 24 hours")
    func capRefusesStart() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            let verifications: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(verifications == 2)
            #expect(try await Self.failures(fixture, service: service) == 3)
            let sent = fixture.sender.messages.count
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxCheckAttemptsReached)
            let retryAfter = try #require(error?.retryAfter)
            #expect((86_390...86_400).contains(retryAfter))
            #expect(fixture.sender.messages.count == sent)
            let call = await #expect(throws: VerifyError.self) {
                try await fixture.start(service, phone, channel: .call)
            }
            #expect(call?.reason == .maxCheckAttemptsReached)
        }
    }

    @Test("failures older than 24 hours lift the cap, and the next failure counts from one")
    func decay() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            try await fixture.client.query(
                "UPDATE phone_check_failures SET last_failure_at = now() - interval '25 hours'")
            let resumed = try await fixture.start(service, phone)
            #expect(resumed.status == .pending)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            #expect(try await Self.failures(fixture, service: service) == 1)
        }
    }

    @Test("a window that has not passed keeps the cap: 23 hours after the last failure a start is still refused")
    func noEarlyDecay() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            try await fixture.client.query(
                "UPDATE phone_check_failures SET last_failure_at = now() - interval '23 hours'")
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxCheckAttemptsReached)
            #expect(error?.retryAfter.map { (3590...3600).contains($0) } == true)
        }
    }

    @Test("one successful check resets the count")
    func successResets() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(2, service: service, phone: phone, fixture: fixture)
            #expect(try await Self.failures(fixture, service: service) == 2)
            let code = try #require(fixture.lastCode(to: phone))
            #expect(try await fixture.check(service, phone, code).status == .approved)
            #expect(try await Self.failures(fixture, service: service) == 0)
            try await Self.fail(2, service: service, phone: phone, fixture: fixture)
            let next = try await fixture.start(service, phone)
            #expect(next.status == .pending)
        }
    }

    @Test("an operator's unblock clears the count")
    func unblockClears() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let service = try await fixture.service()
            try await Self.fail(3, service: service, phone: phone, fixture: fixture)
            #expect(try await fixture.phones.unblock(phone))
            #expect(try await Self.failures(fixture, service: service) == 0)
            let resumed = try await fixture.start(service, phone)
            #expect(resumed.status == .pending)
            #expect(try await fixture.phones.unblock(phone) == false)
        }
    }

    @Test("another service's count for the same phone is independent")
    func perService() async throws {
        try await StoreFixture.run(settings: Self.settings) { fixture in
            let capped = try await fixture.service()
            let other = try await fixture.service()
            try await Self.fail(3, service: capped, phone: phone, fixture: fixture)
            await #expect(throws: VerifyError.self) { try await fixture.start(capped, phone) }
            let started = try await fixture.start(other, phone)
            #expect(started.status == .pending)
            #expect(try await Self.failures(fixture, service: other) == 0)
            let anotherPhone = try await fixture.start(capped, testPhone(6))
            #expect(anotherPhone.status == .pending)
        }
    }
}
