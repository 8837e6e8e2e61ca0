import Testing
import Twilio

@Suite struct URLEncodedFormTests {
    typealias Fields = [(name: String, value: String)]

    static func same(_ lhs: Fields, _ rhs: Fields) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    @Test func encodingKeepsUnreservedCharactersAndEscapesTheRest() {
        let encoded = URLEncodedForm.encode([("To", "+14155550100"), ("Body", "Your code: 123 456 & more=ok ~._-")])
        #expect(encoded == "To=%2B14155550100&Body=Your+code%3A+123+456+%26+more%3Dok+~._-")
    }

    @Test func encodingWritesUTF8PercentEscapes() {
        #expect(URLEncodedForm.encode([("Body", "Café 👍")]) == "Body=Caf%C3%A9+%F0%9F%91%8D")
    }

    static let roundTrips: [Fields] = [
        [("Body", "Ünïcödé ✓ 中文 👍🏽")],
        [("a+b", "1+1=2"), ("percent", "100% %41"), ("amp&", "&&"), ("eq=", "==")],
        [("empty", ""), ("", "nameless"), ("also", "")],
        [("Digits", "1234"), ("Digits", "5678"), ("Digits", "1234")],
        [("line", "one\r\ntwo\tthree"), ("quote", #"'"<>"#)],
    ]

    @Test("encoding then decoding gives back the same fields in order", arguments: roundTrips)
    func roundTrip(_ fields: Fields) throws {
        let decoded = try URLEncodedForm.decode(URLEncodedForm.encode(fields))
        #expect(Self.same(decoded, fields))
    }

    @Test func decodingTreatsPlusAsSpaceAndPercentTwoBAsPlus() throws {
        let decoded = try URLEncodedForm.decode("Body=It%27s+amazing&To=%2B1415")
        #expect(Self.same(decoded, [("Body", "It's amazing"), ("To", "+1415")]))
    }

    @Test func decodingSkipsEmptyPiecesAndAcceptsFieldsWithoutValues() throws {
        let decoded = try URLEncodedForm.decode("&a=1&&flag&b=&")
        #expect(Self.same(decoded, [("a", "1"), ("flag", ""), ("b", "")]))
    }

    @Test func decodingAnEmptyBodyGivesNoFields() throws {
        #expect(try URLEncodedForm.decode("").isEmpty)
    }

    @Test func decodingSplitsOnlyAtTheFirstEqualsSign() throws {
        let decoded = try URLEncodedForm.decode("a=b=c")
        #expect(Self.same(decoded, [("a", "b=c")]))
    }

    @Test(
        "an invalid percent sequence is rejected with its offset",
        arguments: [
            ("a=%", 2), ("a=%4", 2), ("a=%G1", 2), ("ok=1&b%zz=2", 6), ("x=%%41", 2),
        ])
    func invalidPercentSequenceIsRejected(_ body: String, offset: Int) {
        #expect(throws: URLEncodedFormError.self) { try URLEncodedForm.decode(body) }
        do {
            _ = try URLEncodedForm.decode(body)
        } catch {
            #expect(error.kind == .invalidPercentEncoding)
            #expect(error.offset == offset)
        }
    }

    @Test func percentEncodedBytesThatAreNotUTF8AreRejected() {
        #expect {
            try URLEncodedForm.decode("a=%C3%28")
        } throws: { error in
            (error as? URLEncodedFormError)?.kind == .invalidUTF8
        }
    }

    @Test func theErrorDescriptionDoesNotQuoteTheBody() {
        do {
            _ = try URLEncodedForm.decode("Body=secret%zz")
            Issue.record("decoding should have failed")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }
}
