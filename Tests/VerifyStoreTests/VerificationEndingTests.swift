import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Issue 3's contract table, row "approved, canceled, or past validity", and the update use case.
@Suite("Ended verifications")
struct VerificationEndingTests {
    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        case approvedByCheck
        case approvedByUpdate
        case canceled
        case expired

        var testDescription: String { rawValue }

        /// The status the row holds once it ended this way (expiry is written when the ended row is next read).
        var storedStatus: String {
            switch self {
            case .approvedByCheck, .approvedByUpdate: "approved"
            case .canceled: "canceled"
            case .expired: "expired"
            }
        }

        func end(_ verification: Verification, code: String, service: VerifyService, fixture: StoreFixture)
            async throws
        {
            switch self {
            case .approvedByCheck:
                _ = try await fixture.check(service, verification.to, code)
            case .approvedByUpdate:
                let updated = try await fixture.verifier.update(
                    service: service.sid, sid: verification.sid, status: .approved)
                #expect(updated.status == .approved)
            case .canceled:
                let updated = try await fixture.verifier.update(
                    service: service.sid, sid: verification.sid, status: .canceled)
                #expect(updated.status == .canceled)
            case .expired:
                try await fixture.client.query(
                    "UPDATE verifications SET expires_at = now() - interval '1 second' WHERE sid = \(verification.sid.rawValue)"
                )
            }
        }
    }

    let phone = testPhone(3)

    @Test("an ended verification is 404 to check and fetch, and a start creates a new one", arguments: Ending.allCases)
    func endedIsGone(ending: Ending) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            try await ending.end(started, code: code, service: service, fixture: fixture)

            let checkError = await #expect(throws: VerifyError.self) { try await fixture.check(service, phone, code) }
            #expect(checkError?.reason == .notFound(.verificationCheck(service.sid)))
            let bySid = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.check(service: service.sid, target: .sid(started.sid), code: code)
            }
            #expect(bySid?.reason == .notFound(.verificationCheck(service.sid)))
            let fetchError = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.fetch(service: service.sid, sid: started.sid)
            }
            #expect(
                fetchError?.reason == .notFound(.verification(service.sid, started.sid)))
            let updateError = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            }
            #expect(updateError?.reason == .notFound(.verification(service.sid, started.sid)))

            let status: String = try await fixture.scalar(
                "SELECT status FROM verifications WHERE sid = \(started.sid.rawValue)")
            #expect(status == ending.storedStatus)

            let next = try await fixture.start(service, phone)
            #expect(next.sid != started.sid)
            #expect(next.status == .pending)
            #expect(next.sendAttempts.count == 1)
            #expect(next.checkAttempts == 0)
            let live: Int = try await fixture.scalar("SELECT count(*) FROM verifications WHERE status = 'pending'")
            #expect(live == 1)
        }
    }

    @Test("a start past validity marks the old verification expired and erases its ciphertext")
    func startExpiresOld() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, phone)
            try await fixture.client.query("UPDATE verifications SET expires_at = now() - interval '1 second'")
            let next = try await fixture.start(service, phone)
            #expect(next.sid != started.sid)
            let old = try await fixture.client.query(
                "SELECT status, code_ciphertext IS NULL FROM verifications WHERE sid = \(started.sid.rawValue)")
            #expect(try old[0].decode(0, as: String.self) == "expired")
            #expect(try old[0].decode(1, as: Bool.self))
            #expect(Set(fixture.sender.codes(to: phone)).count == 2)
        }
    }

    @Test("an update to a verification out of attempts returns it unchanged")
    func updateLocked() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service { $0.maxCheckAttempts = 1 }
            let started = try await fixture.start(service, phone)
            _ = try await fixture.check(service, phone, fixture.wrongCode(for: phone))
            let updated = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .approved)
            #expect(updated.status == .maxAttemptsReached)
            let status: String = try await fixture.scalar("SELECT status FROM verifications")
            #expect(status == "max_attempts_reached")
        }
    }

    @Test(
        "an update to any status but approved or canceled is an invalid Status",
        arguments: [
            VerificationStatus.pending, .expired, .failed, .maxAttemptsReached,
        ])
    func updateInvalidStatus(status: VerificationStatus) async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, phone)
            let error = await #expect(throws: VerifyError.self) {
                try await fixture.verifier.update(service: service.sid, sid: started.sid, status: status)
            }
            #expect(error?.reason == .invalidParameter("Status"))
            let stored: String = try await fixture.scalar("SELECT status FROM verifications")
            #expect(stored == "pending")
        }
    }
}
