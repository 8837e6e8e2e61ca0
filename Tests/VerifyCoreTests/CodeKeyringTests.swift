import Testing
import VerifyCore

@Suite("CodeKeyring")
struct CodeKeyringTests {
    static let keyA = (0..<32).map { UInt8($0) &* 7 &+ 3 }
    static let keyB = (0..<32).map { UInt8(255 - $0) }

    static func sid() -> VerificationSid { .random() }

    static let service = ServiceSid("VA" + String(repeating: "5e", count: 16))!
    static let phone = PhoneNumber(e164: "+14155550100")!

    static func code(_ text: String = "482913") throws -> OneTimeCode { try #require(OneTimeCode(text)) }

    static func seal(
        _ keyring: CodeKeyring, _ code: OneTimeCode, sid: VerificationSid = .random(), service: ServiceSid = service,
        phone: PhoneNumber = phone
    ) throws -> SealedCode {
        try keyring.seal(code, sid: sid, service: service, phone: phone)
    }

    /// What storage decides: the candidate's HMAC under the sealing key equals the stored hash.
    static func matches(
        _ keyring: CodeKeyring, _ candidate: OneTimeCode, _ sealed: SealedCode, service: ServiceSid = service,
        phone: PhoneNumber = phone
    ) -> Bool {
        keyring.candidates(candidate, service: service, phone: phone).hash(forKeyID: sealed.keyID) == sealed.hash
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
        let sealed = try Self.seal(keyring, Self.code(text))
        #expect(sealed.keyID == keyring.currentKeyID)
        #expect(sealed.hash.count == 32)
        #expect(Self.matches(keyring, try Self.code(text), sealed))
        for wrong in ["482914", "1234", "AB12CD34EF", text + "0"] where wrong != text {
            guard let candidate = OneTimeCode(wrong) else { continue }
            #expect(!Self.matches(keyring, candidate, sealed), "\(wrong)")
        }
    }

    @Test("a code sealed for one phone or service never matches another phone or service")
    func bindsToServiceAndPhone() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try Self.seal(keyring, Self.code())
        let otherPhone = try #require(PhoneNumber(e164: "+14155550101"))
        let otherService = ServiceSid("VA" + String(repeating: "5f", count: 16))!
        #expect(Self.matches(keyring, try Self.code(), sealed))
        #expect(!Self.matches(keyring, try Self.code(), sealed, phone: otherPhone))
        #expect(!Self.matches(keyring, try Self.code(), sealed, service: otherService))
    }

    @Test("the message is unambiguous: a number and code that concatenate alike give different hashes")
    func unambiguousMessage() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let short = try #require(PhoneNumber(e164: "+1415555010"))
        let long = try #require(PhoneNumber(e164: "+14155550101"))
        let first = keyring.candidates(try Self.code("12345"), service: Self.service, phone: long)
        let second = keyring.candidates(try Self.code("112345"), service: Self.service, phone: short)
        #expect(first.hashes != second.hashes)
    }

    @Test("candidates hold one HMAC per configured key, the current key first, duplicates once")
    func candidatesPerKey() throws {
        let keyring = try CodeKeyring(current: Self.keyB, previous: [Self.keyA, Self.keyB, Self.keyA])
        let candidates = keyring.candidates(try Self.code(), service: Self.service, phone: Self.phone)
        #expect(candidates.keyIDs.count == 2)
        #expect(candidates.keyIDs.first == keyring.currentKeyID)
        #expect(candidates.keyIDs.last == (try CodeKeyring(current: Self.keyA)).currentKeyID)
        #expect(candidates.hashes.count == 2)
        #expect(candidates.hashes.allSatisfy { $0.count == 32 })
        #expect(candidates.hashes[0] != candidates.hashes[1])
        #expect(candidates.hash(forKeyID: "00000000") == nil)
    }

    @Test("open returns the sealed code")
    func open() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try Self.seal(keyring, Self.code("93071"), sid: sid)
        #expect(try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: sid) == Self.code("93071"))
    }

    @Test("the ciphertext does not contain the code")
    func ciphertextHidesCode() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try Self.seal(keyring, Self.code("482913"))
        let plain = Array("482913".utf8)
        let windows = sealed.ciphertext.indices.dropLast(plain.count - 1).map {
            Array(sealed.ciphertext[$0..<$0 + plain.count])
        }
        #expect(!windows.contains(plain))
    }

    @Test("open refuses a ciphertext moved to another verification")
    func openOtherSid() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try Self.seal(keyring, Self.code())
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: Self.sid())
        }
    }

    @Test("open refuses a tampered or truncated ciphertext")
    func openTampered() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try Self.seal(keyring, Self.code(), sid: sid)
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

    @Test("two seals of one code for one phone use fresh nonces but give the same hash, also for another SID")
    func freshNonce() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let first = try Self.seal(keyring, Self.code())
        let second = try Self.seal(keyring, Self.code())
        #expect(first.ciphertext != second.ciphertext)
        // AES-GCM's combined form starts with the 12-byte nonce.
        #expect(first.ciphertext.prefix(12) != second.ciphertext.prefix(12))
        #expect(first.hash == second.hash)
    }

    @Test("after rotation, codes sealed under the previous key still match and open, and new seals use the new key")
    func rotation() throws {
        let before = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try Self.seal(before, Self.code(), sid: sid)

        let after = try CodeKeyring(current: Self.keyB, previous: [Self.keyA])
        #expect(after.currentKeyID != before.currentKeyID)
        #expect(Self.matches(after, try Self.code(), sealed))
        #expect(!Self.matches(after, try Self.code("482914"), sealed))
        #expect(try after.open(sealed.ciphertext, keyID: sealed.keyID, for: sid) == Self.code())

        let resealed = try Self.seal(after, Self.code(), sid: sid)
        #expect(resealed.keyID == after.currentKeyID)
        #expect(resealed.keyID == (try CodeKeyring(current: Self.keyB)).currentKeyID)
        #expect(resealed.hash != sealed.hash)
        #expect(Self.matches(after, try Self.code(), resealed))
        // The old keyring knows nothing of the new key.
        #expect(!Self.matches(before, try Self.code(), resealed))
    }

    @Test("an unknown key id never matches and never opens")
    func unknownKeyID() throws {
        let old = try CodeKeyring(current: Self.keyA)
        let sid = Self.sid()
        let sealed = try Self.seal(old, Self.code(), sid: sid)
        let other = try CodeKeyring(current: Self.keyB)
        #expect(!Self.matches(other, try Self.code(), sealed))
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try other.open(sealed.ciphertext, keyID: sealed.keyID, for: sid)
        }
        // Relabelling a code with a configured key id does not help either.
        let candidates = other.candidates(try Self.code(), service: Self.service, phone: Self.phone)
        #expect(candidates.hash(forKeyID: other.currentKeyID) != sealed.hash)
        #expect(throws: CodeKeyring.InvalidKey.self) {
            try other.open(sealed.ciphertext, keyID: other.currentKeyID, for: sid)
        }
    }

    @Test("error descriptions never contain the code")
    func errorsHideCode() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        let sealed = try Self.seal(keyring, Self.code("482913"))
        let error = try #require(throws: CodeKeyring.InvalidKey.self) {
            try keyring.open(sealed.ciphertext, keyID: sealed.keyID, for: Self.sid())
        }
        #expect(!error.description.contains("482913"))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    /// Stored digests must not change with how their keys are kept: an upgrade would start every hour's counts
    /// afresh and forget erased numbers' opt-outs. The values were computed independently (Python's hmac and
    /// hashlib: HKDF-SHA256 of keyA to the code HMAC key, HKDF of that to the digest's key, HMAC of the value).
    @Test("the rate-limit and erased-phone digests are HMAC-SHA256 under keys derived from the code HMAC key")
    func digestsKnownAnswer() throws {
        let keyring = try CodeKeyring(current: Self.keyA)
        #expect(
            Self.hex(keyring.rateLimitDigest(of: "api_key root"))
                == "a0e4f2991accbb3f2a1369fb600b581062b18418104bd4b5f9ba7dbbea9f2140")
        #expect(
            keyring.erasedPhoneDigests(of: Self.phone).map(Self.hex)
                == ["21199190b62044f553545e97ab46e8518e0dbc8adc5373357660e92ddf73811a"])
    }
}
