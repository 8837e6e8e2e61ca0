import Testing
import VerifyCore

@Suite("PhoneNumber")
struct PhoneNumberTests {
    @Test(
        "strict E.164 accepts a plus, a non-zero first digit and at most 15 digits",
        arguments: ["+14155550100", "+442079460018", "+123456789012345", "+12"])
    func strictAccepts(_ input: String) throws {
        let phone = try #require(PhoneNumber(e164: input))
        #expect(phone.e164 == input)
    }

    @Test(
        "strict E.164 refuses anything else",
        arguments: [
            "14155550100",  // no plus
            "+04155550100",  // leading zero
            "+1234567890123456",  // 16 digits
            "+1415555O100",  // a letter O
            "+1 415 555 0100",  // spaces
            "",
            "+",
            "+1",  // a country code and no number
            "+١٢٣",  // Arabic-Indic digits
            "+１４１５５５５０１００",  // full-width digits
            "+14155550100\n",
            "++14155550100",
        ])
    func strictRefuses(_ input: String) {
        #expect(PhoneNumber(e164: input) == nil)
    }

    @Test("exactly fifteen digits is the longest accepted number")
    func fifteenDigits() {
        let fifteen = "+" + String(repeating: "9", count: 15)
        #expect(PhoneNumber(e164: fifteen)?.e164 == fifteen)
        #expect(PhoneNumber(e164: fifteen + "9") == nil)
    }

    @Test("strict parsing accepts a substring")
    func strictSubstring() {
        let line = "to=+14155550100;"
        let number = line.dropFirst(3).dropLast()
        #expect(PhoneNumber(e164: number)?.e164 == "+14155550100")
    }

    @Test("masked keeps the first five and the last four characters")
    func masked() throws {
        let phone = try #require(PhoneNumber(e164: "+14155550100"))
        #expect(phone.masked == "+1415***0100")
        let london = try #require(PhoneNumber(e164: "+442079460018"))
        #expect(london.masked == "+4420***0018")
    }

    @Test(
        "description equals masked, so interpolation never shows the full number",
        arguments: ["+14155550100", "+442079460018", "+4915112345678", "+4930123456"])
    func descriptionIsMasked(_ input: String) throws {
        let phone = try #require(PhoneNumber(e164: input))
        #expect(phone.description == phone.masked)
        #expect("\(phone)" == phone.masked)
        #expect(String(describing: phone) == phone.masked)
        #expect(!"sending to \(phone)".contains(input))
        #expect(!"sending to \(phone)".contains(input.dropFirst()))
    }

    @Test(
        "short numbers are masked too: at least one character is hidden",
        arguments: ["+1234", "+12345", "+123456", "+1234567", "+12345678", "+123456789", "+1234567890"])
    func shortNumbersMasked(_ input: String) throws {
        let phone = try #require(PhoneNumber(e164: input))
        let parts = phone.masked.split(separator: "***", omittingEmptySubsequences: false)
        try #require(parts.count == 2)
        #expect(input.hasPrefix(parts[0]))
        #expect(input.hasSuffix(parts[1]))
        #expect(parts[0].count + parts[1].count < input.count, "\(phone.masked) shows every character of the number")
    }

    @Test("the shortest numbers E.164 allows are masked too", arguments: ["+12", "+123"])
    func shortestNumbersMasked(_ input: String) throws {
        let phone = try #require(PhoneNumber(e164: input))
        let parts = phone.masked.split(separator: "***", omittingEmptySubsequences: false)
        try #require(parts.count == 2)
        #expect(parts[0].count + parts[1].count < input.count, "\(phone.masked) shows every digit of \(input)")
    }

    @Test(
        "bucket is the first two bytes of the number's SHA-256",
        arguments: [("+14155550100", 0x40d3), ("+442079460018", 0xfaad), ("+4915112345678", 0x536a)])
    func bucketKnownValues(_ input: String, _ expected: Int) throws {
        // Expected values from `printf '%s' NUMBER | sha256sum`.
        let phone = try #require(PhoneNumber(e164: input))
        #expect(phone.bucket == expected)
    }

    @Test("bucket is stable, within 16 bits and differs between numbers")
    func bucketStableAndSpread() throws {
        let inputs = (0..<16).map { "+1415555\(1000 + $0 * 37)" }
        var buckets: Set<Int> = []
        for input in inputs {
            let phone = try #require(PhoneNumber(e164: input))
            let again = try #require(PhoneNumber(e164: input))
            #expect(phone.bucket == again.bucket)
            #expect((0...65_535).contains(phone.bucket))
            buckets.insert(phone.bucket)
        }
        // These sixteen numbers happen to have sixteen different buckets (checked with sha256sum).
        #expect(buckets.count == inputs.count)
    }

    @Test("equal numbers are equal and hash alike")
    func equality() throws {
        let strict = try #require(PhoneNumber(e164: "+14155550100"))
        let substring = try #require(PhoneNumber(e164: "to +14155550100".dropFirst(3)))
        #expect(strict == substring)
        #expect(Set([strict, substring]).count == 1)
    }
}
