import Testing

@testable import HTTPAPI

/// The rules for CreateVerification's optional parameters, value by value.
@Suite("Start parameter rules")
struct StartParametersTests {
    @Test(
        "locales of Twilio's shape pass as given",
        arguments: ["en", "fr", "pt-BR", "zh-HK", "zh-Hant-TW", "es-419", "fil"])
    func locales(_ text: String) {
        #expect(StartParameters.locale(text) == text)
    }

    @Test(
        "anything else is no locale",
        arguments: ["", "e", "english", "en-", "-en", "en_US", "äö", "en-ÜS", "en-US-x", "e1", "en-1234", "en\u{0}"])
    func notLocales(_ text: String) {
        #expect(StartParameters.locale(text) == nil)
    }

    @Test("an app hash is 11 characters of base64", arguments: ["He42w354ol9", "a+b/C0d1E2f", "AAAAAAAAAAA"])
    func appHashes(_ text: String) {
        #expect(StartParameters.appHash(text) == text)
    }

    @Test(
        "anything else is no app hash",
        arguments: ["He42w354ol", "He42w354ol9x", "He42w354o l", "He42w354o\u{1}l", "He42w354ol=", "Hé42w354ol9", ""])
    func notAppHashes(_ text: String) {
        #expect(StartParameters.appHash(text) == nil)
    }

    @Test(
        "addresses come back canonical",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("::1", "::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"), ("fe80:0000::0001", "fe80::1"),
        ])
    func addresses(_ text: String, canonical: String) {
        #expect(StartParameters.deviceIP(text) == canonical)
    }

    @Test(
        "anything else is no address",
        arguments: [
            "not an ip; drop table", "", "192.0.2", "192.0.2.256", "010.0.0.1", "192.0.2.1/24", "fe80::1%eth0",
            " 192.0.2.1", "2001:db8::1::2", "1.2.3.4\u{0}",
        ])
    func notAddresses(_ text: String) {
        #expect(StartParameters.deviceIP(text) == nil)
    }

    @Test("tags are re-encoded with sorted keys")
    func tags() {
        #expect(StartParameters.tags(#"{"b": "2", "a": "1/x"}"#) == #"{"a":"1/x","b":"2"}"#)
        #expect(StartParameters.tags("{}") == "{}")
    }

    @Test(
        "tags outside Twilio's rule or holding control characters are refused",
        arguments: [
            #"{"k": "a\u0000b"}"#, #"{"k\u0001": "v"}"#, #"{"k": "a\nb"}"#, #"{"k": 1}"#, #"{"k": {"n": "v"}}"#,
            #"["k"]"#, #""k""#, "not json", #"{"k": "a", "k": "b"}"#, #"{"": "v"}"#,
            "{" + (0..<11).map { #""k\#($0)": "v""# }.joined(separator: ",") + "}",
            #"{"k": ""# + String(repeating: "v", count: 129) + #""}"#,
        ])
    func notTags(_ text: String) {
        #expect(StartParameters.tags(text) == nil)
    }

    @Test("the keys of a JSON object are read as written, repeats and escapes included")
    func objectKeys() {
        let keys = JSONObjectKeys.topLevel(Array(#"{"To": "a", "\u0054o": {"To": ["x", "y"]}, "b,\"c": 1}"#.utf8))
        #expect(keys == ["To", "To", "b,\"c"])
    }
}
