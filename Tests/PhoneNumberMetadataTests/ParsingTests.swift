import PhoneNumberMetadata
import Testing
import VerifyCore

@Suite("LibPhoneNumberIntelligence parsing")
struct ParsingTests {
    let intelligence = LibPhoneNumberIntelligence()

    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let region: String?
        let expected: String
        var testDescription: String { "\(text) in \(region ?? "no region") → \(expected)" }
    }

    @Test(
        "national and international formats read as the E.164 number",
        arguments: [
            Case(text: "(415) 555-0100", region: "US", expected: "+14155550100"),
            Case(text: "415.555.0100", region: "US", expected: "+14155550100"),
            // The NANP's national prefix is 1.
            Case(text: "1 415 555 0100", region: "US", expected: "+14155550100"),
            Case(text: "876 210 1234", region: "JM", expected: "+18762101234"),
            // The UK's national prefix is 0, its international prefix 00; the US's international prefix is 011.
            Case(text: "07400 123456", region: "GB", expected: "+447400123456"),
            Case(text: "020 7946 0000", region: "GB", expected: "+442079460000"),
            Case(text: "0044 7400 123456", region: "GB", expected: "+447400123456"),
            Case(text: "011 44 7400 123456", region: "US", expected: "+447400123456"),
            Case(text: "030/123456", region: "DE", expected: "+4930123456"),
            // Italian numbers keep their leading zero after the calling code.
            Case(text: "06 6981 2345", region: "IT", expected: "+390669812345"),
            // A number written with '+' ignores the default region.
            Case(text: "+44 7400 123456", region: "US", expected: "+447400123456"),
            Case(text: "+1 (415) 555-0100", region: nil, expected: "+14155550100"),
            Case(text: "\t+14155550100 ", region: nil, expected: "+14155550100"),
        ])
    func readsFormats(_ known: Case) {
        let region = known.region.flatMap { RegionCode($0) }
        #expect(intelligence.parse(known.text, defaultRegion: region)?.e164 == known.expected)
    }

    @Test("a national number read in the wrong region parses, as a number that is invalid there")
    func wrongRegion() throws {
        let parsed = try #require(intelligence.parse("07400 123456", defaultRegion: RegionCode("US")))
        #expect(parsed.e164 == "+107400123456")
        #expect(!intelligence.facts(for: parsed).isValid)
    }

    @Test("a national number without a default region is not a number")
    func nationalWithoutRegion() {
        #expect(intelligence.parse("07400 123456", defaultRegion: nil) == nil)
        #expect(intelligence.parse("07400 123456", defaultRegion: .nonGeographic) == nil)
    }

    /// Shows its text escaped and cut short, so that NUL bytes and 10,000 digits stay out of the test log.
    struct Malformed: Sendable, CustomTestStringConvertible, ExpressibleByStringLiteral {
        let text: String
        init(_ text: String) { self.text = text }
        init(stringLiteral text: String) { self.text = text }
        var testDescription: String {
            text.count <= 40 ? text.debugDescription : "\(text.prefix(20).debugDescription)… (\(text.count) characters)"
        }
    }

    @Test(
        "malformed text is not a number, and nothing crashes",
        arguments: [
            "", " ", "+", "-", "()", "abc", "+1", "0",
            // Letters, extensions and URIs libphonenumber would rewrite into some other number.
            "+1-800-FLOWERS", "+14155550100 ext 5", "+14155550100;ext=5", "+14155550100#5", "tel:+14155550100",
            "Tel: +14155550100",
            // NUL and control bytes, which C would read as the end of the text or as layout.
            "+14155550100\u{0}", "+1415\u{0}5550100", "\u{0}+14155550100", "+14155550100\n", "+14155550100\r",
            // Non-ASCII digits, which libphonenumber would fold into ASCII ones.
            "+１４１５５５５０１００", "+١٤١٥٥٥٥٠١٠٠", "+۱۴۱۵۵۵۵۰۱۰۰", "+1४15५550100",
            // Invisible characters and look-alikes.
            "\u{FEFF}+14155550100", "+1\u{200B}4155550100", "＋14155550100", "+1 415 555 O1OO",
            "+14155550100\u{301}", "📞+14155550100",
            // Too long: over the input bound, and a digit string past E.164's 15 digits.
            Malformed(String(repeating: "1", count: 10_000)),
            Malformed("+1" + String(repeating: " ", count: 100) + "4155550100"),
            Malformed("+" + String(repeating: "9", count: 20)), "+1415555010099999",
            // A calling code that does not exist.
            "+999123456",
        ] as [Malformed])
    func malformed(_ input: Malformed) {
        #expect(intelligence.parse(input.text, defaultRegion: nil) == nil)
        #expect(intelligence.parse(input.text, defaultRegion: RegionCode("US")) == nil)
    }
}
