import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Issue 3's contract table, column "create", on the PostgreSQL stores.
@Suite("Starting verifications")
struct VerificationStartTests {
    let phone = testPhone(1)

    @Test("with nothing pending, a start creates a verification and sends one new code")
    func createsNew() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let verification = try await fixture.start(service, phone)
            #expect(verification.status == .pending)
            #expect(verification.checkAttempts == 0)
            #expect(verification.sendAttempts.map(\.status) == [.sent])
            #expect(fixture.sender.messages.count == 1)
            #expect(fixture.lastCode(to: phone)?.count == 6)
            #expect(fixture.sender.messages.first?.attemptSid == verification.sendAttempts.first?.sid)
            let rows: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(rows == 1)
        }
    }

    @Test("a start while pending re-sends the same code for the same SID, keeping expiry and check attempts")
    func resendsSameCode() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let first = try await fixture.start(service, phone)
            let wrong = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            #expect(wrong.checkAttempts == 1)
            let second = try await fixture.start(service, phone, channel: .call)
            let third = try await fixture.start(service, phone)
            #expect(second.sid == first.sid)
            #expect(third.sid == first.sid)
            #expect(third.sendAttempts.count == 3)
            #expect(third.sendAttempts.map(\.channel) == [.sms, .call, .sms])
            #expect(Set(third.sendAttempts.map(\.sid)).count == 3)
            #expect(third.expiresAt == first.expiresAt)
            #expect(third.checkAttempts == 1)
            let codes = fixture.sender.codes(to: phone)
            #expect(codes.count == 3)
            #expect(Set(codes).count == 1)
            #expect(fixture.sender.messages.map(\.channel) == [.sms, .call, .sms])
            let stored: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(stored == 1)
        }
    }

    @Test("once the sends reach the maximum, a start is refused with 60203 and a retry time, and nothing is sent")
    func maxSends() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxSendAttempts = 2 }
            try await fixture.start(service, phone)
            try await fixture.start(service, phone)
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxSendAttemptsReached)
            let retryAfter = try #require(error?.retryAfter)
            #expect((590...600).contains(retryAfter))
            #expect(fixture.sender.messages.count == 2)
            let sends: Int = try await fixture.scalar("SELECT send_count FROM verifications")
            #expect(sends == 2)
        }
    }

    @Test("a start for a verification out of check attempts is refused with 60202 while it is valid")
    func lockedRefusesStart() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 1 }
            try await fixture.start(service, phone)
            let locked = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            #expect(locked.status == .maxAttemptsReached)
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .maxCheckAttemptsReached)
            #expect(error?.retryAfter.map { (1...600).contains($0) } == true)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("each service has its own verification for the same phone")
    func perService() async throws {
        try await StoreFixture.run { fixture in
            let first = try await fixture.service()
            let second = try await fixture.service()
            let one = try await fixture.start(first, phone)
            let other = try await fixture.start(second, phone)
            #expect(one.sid != other.sid)
            #expect(other.sendAttempts.count == 1)
        }
    }

    @Test("a start for a service that does not exist is 404")
    func unknownService() async throws {
        try await StoreFixture.run { fixture in
            let error = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.start(StartRequest(service: .random(), to: phone, channel: .sms))
            }
            guard case .notFound = error?.reason else {
                Issue.record("expected notFound, got \(String(describing: error))")
                return
            }
            #expect(fixture.sender.messages.isEmpty)
        }
    }
}
