import Testing
import VerifyCore

@Suite("OneTimeCode")
struct OneTimeCodeTests {
    private static func isASCIIDigits(_ text: String) -> Bool {
        text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    @Test("a generated code has exactly the asked number of ASCII digits", arguments: 4...10)
    func generatedLength(_ length: Int) {
        for _ in 0..<200 {
            let code = OneTimeCode.generate(length: length)
            #expect(code.revealed.utf8.count == length)
            #expect(Self.isASCIIDigits(code.revealed))
        }
    }

    @Test("the allowed lengths are four to ten")
    func lengths() {
        #expect(OneTimeCode.lengths == 4...10)
    }

    @Test("100 000 six-digit codes are uniform in every position and never out of range")
    func distribution() throws {
        let total = 100_000
        var counts = Array(repeating: Array(repeating: 0, count: 10), count: 6)
        var leadingZeros = 0
        for _ in 0..<total {
            let code = OneTimeCode.generate(length: 6)
            let digits = Array(code.revealed.utf8)
            try #require(digits.count == 6)
            try #require(Self.isASCIIDigits(code.revealed))
            let value = try #require(Int(code.revealed))
            try #require((0...999_999).contains(value))
            for (position, digit) in digits.enumerated() {
                counts[position][Int(digit - UInt8(ascii: "0"))] += 1
            }
            if digits[0] == UInt8(ascii: "0") { leadingZeros += 1 }
        }
        // Chi-square goodness of fit of every position against a uniform digit, summed (6 × 9 = 54 degrees of
        // freedom): 101.42 is the p = 0.0001 point, so a correct generator fails this once in ten thousand runs while
        // a biased one (say 26/256 against 25/256 per digit) lands far above it.
        let expected = Double(total) / 10
        let chiSquare = counts.joined().reduce(0.0) { sum, count in
            sum + (Double(count) - expected) * (Double(count) - expected) / expected
        }
        #expect(chiSquare < 101.42, "χ² = \(chiSquare), counts \(counts)")
        let share = Double(leadingZeros) / Double(total)
        #expect((0.09...0.11).contains(share), "leading zeros: \(share)")
    }

    @Test("a seeded generator gives the same codes again")
    func seededIsRepeatable() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let a = (0..<50).map { _ in OneTimeCode.generate(length: 8, using: &first) }
        let b = (0..<50).map { _ in OneTimeCode.generate(length: 8, using: &second) }
        #expect(a == b)
        #expect(Set(a.map(\.revealed)).count > 1)
    }

    @Test("values below 10^(length-1) are zero-padded to the full length", arguments: 4...10)
    func zeroPadding(_ length: Int) throws {
        var generator = SplitMix64(seed: 0x5EED + UInt64(length))
        var padded = 0
        var doublePadded = 0
        for _ in 0..<5_000 {
            let code = OneTimeCode.generate(length: length, using: &generator)
            try #require(code.revealed.utf8.count == length)
            try #require(Self.isASCIIDigits(code.revealed))
            let value = try #require(UInt64(code.revealed))
            var power: UInt64 = 1
            for _ in 0..<(length - 1) { power *= 10 }
            // A value with fewer digits than the length must come out with leading zeros, and only then.
            #expect((value < power) == code.revealed.hasPrefix("0"))
            if value < power { padded += 1 }
            if value < power / 10 {
                #expect(code.revealed.hasPrefix("00"))
                doublePadded += 1
            }
        }
        // About 10 % and 1 % of 5 000 codes; the seed makes these counts fixed.
        #expect(padded > 300)
        #expect(doublePadded > 10)
    }

    @Test(
        "a chosen code may be 4 to 10 ASCII letters or digits",
        arguments: ["1234", "123456", "1234567890", "abcd", "AbC123", "000000", "Zz09"])
    func acceptsChosen(_ text: String) throws {
        let code = try #require(OneTimeCode(text))
        #expect(code.revealed == text)
    }

    @Test(
        "a chosen code is refused when too short, too long or not plain ASCII letters and digits",
        arguments: [
            "", "123", "12345678901", "12 34", " 1234", "1234 ", "12-34", "١٢٣٤٥٦", "１２３４", "café12", "12\n34",
            "12\u{0}34",
        ])
    func refusesChosen(_ text: String) {
        #expect(OneTimeCode(text) == nil)
    }

    @Test("a chosen code is read from a substring")
    func chosenFromSubstring() throws {
        let body = "Code=482913&To=x"
        let start = try #require(body.firstIndex(of: "="))
        let end = try #require(body.firstIndex(of: "&"))
        #expect(OneTimeCode(body[body.index(after: start)..<end])?.revealed == "482913")
    }

    @Test(
        "no printing or reflection shows the code",
        arguments: ["482913", "7305", "9182736450", "SECRETx9"])
    func neverPrints(_ text: String) throws {
        let code = try #require(OneTimeCode(text))
        var dumped = ""
        dump(code, to: &dumped)
        var dumpedInside = ""
        dump(["code": code], to: &dumpedInside)
        let renderings = [
            code.description, code.debugDescription, String(describing: code), String(reflecting: code), "\(code)",
            "\([code])", String(reflecting: [code]), String(describing: Optional(code)), dumped, dumpedInside,
        ]
        for rendering in renderings {
            #expect(!rendering.contains(text), "\(rendering)")
        }
        #expect(Mirror(reflecting: code).children.isEmpty)
    }

    @Test("a code equals the code with the same characters")
    func equality() {
        #expect(OneTimeCode("123456") == OneTimeCode("123456"))
        #expect(OneTimeCode("123456") != OneTimeCode("123457"))
    }
}
