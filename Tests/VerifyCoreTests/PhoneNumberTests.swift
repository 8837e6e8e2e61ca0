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

    @Test(
        "masked keeps the first digit and the last two, and hides at least six digits of any number",
        arguments: [
            ("+14155550100", "+1***00"), ("+442079460018", "+4***18"), ("+123456789", "+1***89"),
            ("+12345678", "+1***"), ("+1234567", "+1***"), ("+123456", "***"), ("+12", "***"),
        ])
    func masked(_ input: String, _ expected: String) throws {
        let phone = try #require(PhoneNumber(e164: input))
        #expect(phone.masked == expected)
        let shown = phone.masked.filter(\.isNumber).count
        let digits = input.dropFirst().count
        #expect(digits - shown >= min(6, digits), "\(phone.masked) hides fewer than six digits")
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
