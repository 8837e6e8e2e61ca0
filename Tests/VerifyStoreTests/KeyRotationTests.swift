import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// `VERIFYD_CODE_KEY_PREVIOUS`: verifications sealed with an older master key stay usable during rotation.
@Suite("Code key rotation")
struct KeyRotationTests {
    let phone = testPhone(10)

    @Test("a verification sealed with key A is approved by an instance with key B that keeps A as previous")
    func previousKeyChecks() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let rotated = fixture.verifier(
                keyring: try CodeKeyring(current: StoreFixture.randomKey(), previous: [fixture.masterKey]))
            let checked = try await fixture.check(service, phone, code, using: rotated)
            #expect(checked.status == .approved)
        }
    }

    @Test("a re-send by the rotated instance opens the old ciphertext and sends the same code")
    func previousKeyResends() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let first = try await fixture.start(service, phone)
            let rotated = fixture.verifier(
                keyring: try CodeKeyring(current: StoreFixture.randomKey(), previous: [fixture.masterKey]))
            let again = try await fixture.start(service, phone, using: rotated)
            #expect(again.sid == first.sid)
            let codes = fixture.sender.codes(to: phone)
            #expect(codes.count == 2)
            #expect(Set(codes).count == 1)
            let keyID: String = try await fixture.scalar("SELECT key_id FROM verifications")
            #expect(keyID == fixture.keyring.currentKeyID)
        }
    }

    @Test("new verifications of the rotated instance are sealed with the new key")
    func newKeySeals() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let keyring = try CodeKeyring(current: StoreFixture.randomKey(), previous: [fixture.masterKey])
            #expect(keyring.currentKeyID != fixture.keyring.currentKeyID)
            let rotated = fixture.verifier(keyring: keyring)
            try await fixture.start(service, phone, using: rotated)
            let keyID: String = try await fixture.scalar("SELECT key_id FROM verifications")
            #expect(keyID == keyring.currentKeyID)
            let code = try #require(fixture.lastCode(to: phone))
            // The old instance does not know the new key: the right code fails there, and the attempt counts.
            let old = try await fixture.check(service, phone, code)
            #expect(old.status == .pending)
            #expect(try await fixture.check(service, phone, code, using: rotated).status == .approved)
        }
    }

    @Test("an instance with only key B does not approve a code sealed with A, and the attempt still counts")
    func withoutPreviousKey() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            let other = fixture.verifier(keyring: try CodeKeyring(current: StoreFixture.randomKey()))
            let checked = try await fixture.check(service, phone, code, using: other)
            #expect(checked.status == .pending)
            #expect(!checked.valid)
            #expect(checked.checkAttempts == 1)
            let attempts: Int = try await fixture.scalar("SELECT check_attempts FROM verifications")
            #expect(attempts == 1)
            #expect(try await fixture.check(service, phone, code).status == .approved)
        }
    }
}
