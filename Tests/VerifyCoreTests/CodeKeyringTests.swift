import Testing
import VerifyCore

@Suite("CodeKeyring")
struct CodeKeyringTests {
    static let keyA = (0..<32).map { UInt8($0) &* 7 &+ 3 }
    static let keyB = (0..<32).map { UInt8(255 - $0) }

    static func sid() -> VerificationSid { .random() }

    static func code(_ text: String = "482913") throws -> OneTimeCode { try #require(OneTimeCode(text)) }

    static func stored(_ sealed: SealedCode, sid: VerificationSid) -> StoredCode {
        StoredCode(verificationSid: sid, keyID: sealed.keyID, hash: sealed.hash)
    }

    @Test("a master key must be 32 bytes", arguments: [0, 16, 31, 33, 64])
    func refusesWrongLength(_ length: Int) throws {
        let key = Array(repeating: UInt8(0xA7), count: length)
        let error = try #require(throws: CodeKeyring.InvalidKey.self) { try CodeKeyring(current: key) }
        // The message names the length, never the bytes.
        #expect(error.description.contains("\(length)"))
        #expect(!error.description.lowercased().contains("a7"))
        #expect(!error.description.contains("167"))
    }

    @Test("a previous master key must be 32 bytes too", arguments: [31, 33])
    func refusesWrongPreviousLength(_ length: Int) throws {
        let key = Array(repeating: UInt8(0x5C), count: length)
        let error = try #require(throws: CodeKeyring.InvalidKey.self) {
            try CodeKeyring(current: Self.keyA, previous: [Self.keyB, key])
        }
        #expect(!error.description.lowercased().contains("5c"))
        #expect(!error.description.contains("92"))
    }

    @Test("the key id is eight lowercase hex digits, the same for the same key and different for another")
    func keyID() throws {
        let first = try CodeKeyring(current: Self.keyA)
        let again = try CodeKeyring(current: Self.keyA, previous: [Self.keyB])
        let other = try CodeKeyring(current: Self.keyB)
        #expect(first.currentKeyID.utf8.count == 8)
        #expect(first.currentKeyID.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(first.currentKeyID == again.currentKeyID)
        #expect(first.currentKeyID != other.currentKeyID)
        #expect(other.currentKeyID.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test("a sealed code matches the right code and no other", arguments: ["482913", "0000", "Ab12Cd34Ef"])
    func matches(_ text: String) throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try keyring.seal(Self.code(text), for: sid)
        #expect(sealed.keyID == keyring.currentKeyID)
        #expect(sealed.hash.count == 32)
        #expect(keyring.matches(try Self.code(text), stored: Self.stored(sealed, sid: sid)))
        for wrong in ["482914", "1234", "AB12CD34EF", text + "0"] where wrong != text {
            guard let candidate = OneTimeCode(wrong) else { continue }
            #expect(!keyring.matches(candidate, stored: Self.stored(sealed, sid: sid)), "\(wrong)")
        }
    }

    @Test("a code sealed for one verification never matches another verification")
    func bindsToVerification() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sidA = Self.sid()
        let sidB = Self.sid()
        let sealed = try keyring.seal(Self.code(), for: sidA)
        #expect(keyring.matches(try Self.code(), stored: Self.stored(sealed, sid: sidA)))
        #expect(!keyring.matches(try Self.code(), stored: Self.stored(sealed, sid: sidB)))
    }

    @Test("a tampered hash never matches", arguments: [0, 15, 31])
    func tamperedHash(_ index: Int) throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try keyring.seal(Self.code(), for: sid)
        var hash = sealed.hash
        hash[index] ^= 0x01
        #expect(
            !keyring.matches(try Self.code(), stored: StoredCode(verificationSid: sid, keyID: sealed.keyID, hash: hash))
        )
        #expect(
            !keyring.matches(
                try Self.code(),
                stored: StoredCode(verificationSid: sid, keyID: sealed.keyID, hash: Array(hash.prefix(16))))
        )
        #expect(
            !keyring.matches(try Self.code(), stored: StoredCode(verificationSid: sid, keyID: sealed.keyID, hash: [])))
    }

    @Test("open returns the sealed code")
    func open() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try keyring.seal(Self.code("93071"), for: sid)
        #expect(try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: sid) == Self.code("93071"))
    }

    @Test("the ciphertext does not contain the code")
    func ciphertextHidesCode() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try keyring.seal(Self.code("482913"), for: Self.sid())
        let plain = Array("482913".utf8)
        let windows = sealed.ciphertext.indices.dropLast(plain.count - 1).map {
            Array(sealed.ciphertext[$0..<$0 + plain.count])
        }
        #expect(!windows.contains(plain))
    }

    @Test("open refuses a ciphertext moved to another verification")
    func openOtherSid() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try keyring.seal(Self.code(), for: Self.sid())
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: Self.sid())
        }
    }

    @Test("open refuses a tampered or truncated ciphertext")
    func openTampered() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try keyring.seal(Self.code(), for: sid)
        for index in [0, 12, sealed.ciphertext.count - 1] {
            var tampered = sealed.ciphertext
            tampered[index] ^= 0x80
            #expect(throws: CodeKeyring.InvalidKey.self, "byte \(index)") {
                try keyring.open(tampered, keyID: sealed.keyID, for: sid)
            }
        }
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try keyring.open(Array(sealed.ciphertext.dropLast()), keyID: sealed.keyID, for: sid)
        }
        #expect(throws: CodeKeyring.InvalidKey.self) { try keyring.open([], keyID: sealed.keyID, for: sid) }
    }

    @Test("two seals of one code use fresh nonces but give the same hash")
    func freshNonce() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let first = try keyring.seal(Self.code(), for: sid)
        let second = try keyring.seal(Self.code(), for: sid)
        #expect(first.ciphertext != second.ciphertext)
        // AES-GCM's combined form starts with the 12-byte nonce.
        #expect(first.ciphertext.prefix(12) != second.ciphertext.prefix(12))
        #expect(first.hash == second.hash)
    }

    @Test("the same code under another verification has another hash")
    func hashDependsOnSid() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let first = try keyring.seal(Self.code(), for: Self.sid())
        let second = try keyring.seal(Self.code(), for: Self.sid())
        #expect(first.hash != second.hash)
    }

    @Test("after rotation, codes sealed under the previous key still match and open, and new seals use the new key")
    func rotation() throws {
        let before = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try before.seal(Self.code(), for: sid)

        let after = try CodeKeyring(current: Self.keyB, previous: [Self.keyA])
        #expect(after.currentKeyID != before.currentKeyID)
        #expect(after.matches(try Self.code(), stored: Self.stored(sealed, sid: sid)))
        #expect(!after.matches(try Self.code("482914"), stored: Self.stored(sealed, sid: sid)))
        #expect(try after.open(sealed.ciphertext, keyID: sealed.keyID, for: sid) == Self.code())

        let resealed = try after.seal(Self.code(), for: sid)
        #expect(resealed.keyID == after.currentKeyID)
        #expect(resealed.keyID == (try CodeKeyring(current: Self.keyB)).currentKeyID)
        #expect(resealed.hash != sealed.hash)
        #expect(after.matches(try Self.code(), stored: Self.stored(resealed, sid: sid)))
        // The old keyring knows nothing of the new key.
        #expect(!before.matches(try Self.code(), stored: Self.stored(resealed, sid: sid)))
    }

    @Test("an unknown key id never matches and never opens")
    func unknownKeyID() throws {
        let old = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try old.seal(Self.code(), for: sid)
        let other = try CodeKeyring(current: Self.keyB)
        #expect(!other.matches(try Self.code(), stored: Self.stored(sealed, sid: sid)))
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try other.open(sealed.ciphertext, keyID: sealed.keyID, for: sid)
        }
        // Relabelling a code with a configured key id does not help either.
        #expect(
            !other.matches(
                try Self.code(), stored: StoredCode(verificationSid: sid, keyID: other.currentKeyID, hash: sealed.hash))
        )
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try other.open(sealed.ciphertext, keyID: other.currentKeyID, for: sid)
        }
        #expect(
            !old.matches(
                try Self.code(), stored: StoredCode(verificationSid: sid, keyID: "00000000", hash: sealed.hash)))
    }

    @Test("error descriptions never contain the code")
    func errorsHideCode() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try keyring.seal(Self.code("482913"), for: sid)
        let error = try #require(throws: CodeKeyring.InvalidKey.self) {
            try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: Self.sid())
        }
        #expect(!error.description.contains("482913"))
    }
}
