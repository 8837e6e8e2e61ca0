import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Issue 3's contract table, column "check", by phone number and by verification SID.
@Suite("Checking codes")
struct VerificationCheckTests {
    enum Target: String, CaseIterable, CustomTestStringConvertible {
        case phone
        case sid

        var testDescription: String { "by \(rawValue)" }

        func resolve(_ verification: Verification) -> CheckCommand.Target {
            switch self {
            case .phone: .phone(verification.to)
            case .sid: .sid(verification.sid)
            }
        }
    }

    let phone = testPhone(2)

    @Test("a wrong code leaves the verification pending and a right one approves it", arguments: Target.allCases)
    func wrongThenRight(target: Target) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let wrong = try await fixture.verifier.check(
                service: service.sid, target: target.resolve(started), code: fixture.wrongCode(for: phone))
            #expect(wrong.status == .pending)
            #expect(!wrong.valid)
            #expect(wrong.checkAttempts == 1)
            let right = try await fixture.verifier.check(
                service: service.sid, target: target.resolve(started), code: code)
            #expect(right.status == .approved)
            #expect(right.valid)
            #expect(right.sid == started.sid)
            #expect(right.checkAttempts == 2)
        }
    }

    @Test("the wrong check that uses the last attempt answers max_attempts_reached", arguments: Target.allCases)
    func lastAttempt(target: Target) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 3 }
            let started = try await fixture.start(service, phone)
            let wrong = fixture.wrongCode(for: phone)
            var statuses: [VerificationStatus] = []
            for _ in 0..<3 {
                let checked = try await fixture.verifier.check(
                    service: service.sid, target: target.resolve(started), code: wrong)
                statuses.append(checked.status)
            }
            #expect(statuses == [.pending, .pending, .maxAttemptsReached])
            let status: String = try await fixture.scalar("SELECT status FROM verifications")
            #expect(status == "max_attempts_reached")
        }
    }

    @Test(
        "out of attempts, both a wrong and the right code are refused with 60202 while it is valid",
        arguments: Target.allCases)
    func lockedRefusesChecks(target: Target) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 2 }
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let wrong = fixture.wrongCode(for: phone)
            for _ in 0..<2 {
                _ = try await fixture.verifier.check(service: service.sid, target: target.resolve(started), code: wrong)
            }
            for candidate in [wrong, code] {
                let error = await #expect(throws: VerifyError.self) {
                    try await fixture.verifier.check(
                        service: service.sid, target: target.resolve(started), code: candidate)
                }
                #expect(error?.reason == .maxCheckAttemptsReached)
                #expect(error?.retryAfter.map { (1...600).contains($0) } == true)
            }
            let fetched = try await fixture.verifier.fetch(service: service.sid, sid: started.sid)
            #expect(fetched.status == .maxAttemptsReached)
            #expect(fetched.checkAttempts == 2)
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 2)
        }
    }

    @Test("with nothing pending, check and fetch are 404 naming Twilio's resources")
    func nothingPending() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let checkError = await #expect(throws: VerifyError.self) {
                try await fixture.check(service, phone, "123456")
            }
            #expect(checkError?.reason == .notFound(.verificationCheck(service.sid)))
            let sid = VerificationSid.random()
            let fetchError = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.fetch(service: service.sid, sid: sid)
            }
            #expect(fetchError?.reason == .notFound(.verification(service.sid, sid)))
        }
    }

    @Test("a malformed code is refused as an invalid parameter without counting an attempt")
    func malformedCode() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            for malformed in ["12", "12345678901", "12 34", "１２３４５６"] {
                let error = await #expect(throws: VerifyError.self) {
                    try await fixture.check(service, phone, malformed)
                }
                #expect(error?.reason == .invalidParameter("Code"))
            }
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 0)
        }
    }

    @Test("a verification of another service is not found by SID")
    func otherServiceSid() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let other = try await fixture.service()
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let error = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.check(service: other.sid, target: .sid(started.sid), code: code)
            }
            #expect(error?.reason == .notFound(.verificationCheck(other.sid)))
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 0)
        }
    }
}
