import Testing
import VerifyCore

@Suite("Sid")
struct SidTests {
    private static let lowercaseHex = Set("0123456789abcdef")

    private static func hexPart(_ raw: String) -> Substring { raw.dropFirst(2) }

    @Test("random() gives the prefix and 32 lowercase hex digits")
    func random() {
        var seen: Set<String> = []
        for _ in 0..<100 {
            let sid = VerificationSid.random()
            #expect(sid.rawValue.hasPrefix("VE"))
            #expect(sid.rawValue.utf8.count == 34)
            #expect(Self.hexPart(sid.rawValue).allSatisfy { Self.lowercaseHex.contains($0) })
            #expect(VerificationSid(sid.rawValue) == sid)
            seen.insert(sid.rawValue)
        }
        #expect(seen.count == 100)
    }

    @Test("each kind has its own prefix")
    func prefixes() {
        #expect(AccountSid.random().rawValue.hasPrefix("AC"))
        #expect(ServiceSid.random().rawValue.hasPrefix("VA"))
        #expect(VerificationSid.random().rawValue.hasPrefix("VE"))
        #expect(AttemptSid.random().rawValue.hasPrefix("VL"))
        #expect(APIKeySid.random().rawValue.hasPrefix("SK"))
    }

    @Test("a seeded generator gives the same SID again, with leading zeros kept")
    func seeded() {
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        let a = (0..<200).map { _ in ServiceSid.random(using: &first) }
        let b = (0..<200).map { _ in ServiceSid.random(using: &second) }
        #expect(a == b)
        for sid in a {
            #expect(sid.rawValue.utf8.count == 34)
            #expect(Self.hexPart(sid.rawValue).allSatisfy { Self.lowercaseHex.contains($0) })
        }
    }

    @Test(
        "random(bucket:) carries the bucket in hex digits 3 to 6 and bucket reads it back",
        arguments: [(0, "0000"), (1, "0001"), (0xABCD, "abcd"), (65_535, "ffff"), (0x0F00, "0f00")])
    func bucket(_ bucket: Int, _ hex: String) {
        for _ in 0..<20 {
            let sid = VerificationSid.random(bucket: bucket)
            #expect(sid.rawValue.utf8.count == 34)
            #expect(sid.rawValue.hasPrefix("VE" + hex))
            #expect(Self.hexPart(sid.rawValue).allSatisfy { Self.lowercaseHex.contains($0) })
            #expect(sid.bucket == bucket)
            #expect(VerificationSid(sid.rawValue) == sid)
        }
    }

    @Test("the rest of a bucketed SID is random")
    func bucketRest() {
        let sids = Set((0..<50).map { _ in AttemptSid.random(bucket: 0x1234).rawValue })
        #expect(sids.count == 50)
    }

    @Test("a phone's bucket round-trips through a SID")
    func phoneBucket() throws {
        let phone = try #require(PhoneNumber(e164: "+14155550100"))
        #expect(VerificationSid.random(bucket: phone.bucket).bucket == phone.bucket)
    }

    @Test(
        "parsing refuses anything but the prefix and 32 hex digits",
        arguments: [
            "",
            "VE",
            "VA0123456789abcdef0123456789abcdef",  // another kind's prefix
            "ve0123456789abcdef0123456789abcdef",  // lowercase prefix
            "VE0123456789abcdef0123456789abcde",  // 31 hex digits
            "VE0123456789abcdef0123456789abcdef0",  // 33 hex digits
            "VE0123456789abcdef0123456789abcdeg",  // not hex
            "VE0123456789abcdef 123456789abcdef",
            "VE0123456789abcdef0123456789abcdé",  // 34 bytes, not hex
            " VE0123456789abcdef0123456789abcde",
            "VE０123456789abcdef0123456789abcd",
        ])
    func refuses(_ input: String) {
        #expect(VerificationSid(input) == nil)
    }

    @Test(
        "parsing accepts hex in either case and keeps it as given",
        arguments: [
            "VE0123456789abcdef0123456789abcdef", "VE0123456789ABCDEF0123456789ABCDEF",
            "VEabcdefABCDEF0123456789aBcDeF0123",
        ])
    func accepts(_ input: String) throws {
        let sid = try #require(VerificationSid(input))
        #expect(sid.rawValue == input)
        #expect(sid.description == input)
    }

    @Test("bucket reads upper-case hex too")
    func upperCaseBucket() throws {
        let sid = try #require(VerificationSid("VEABCD" + String(repeating: "0", count: 28)))
        #expect(sid.bucket == 0xABCD)
    }

    @Test("SIDs order by their text")
    func ordering() throws {
        let low = try #require(VerificationSid("VE" + String(repeating: "0", count: 31) + "1"))
        let high = try #require(VerificationSid("VEf" + String(repeating: "0", count: 31)))
        #expect(low < high)
        #expect(!(high < low))
    }
}
