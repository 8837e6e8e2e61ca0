import Testing
import VerifyCore

@Suite("MessageText")
struct MessageTextTests {
    static let code = OneTimeCode("123456")!

    static func body(
        _ locale: String? = "en", name: String = "Acme", code: OneTimeCode = code, doNotShare: Bool = false,
        appHash: String? = nil, webOTPHost: String? = nil
    ) -> String {
        MessageText.forLocale(locale).smsBody(
            serviceName: name, code: code, doNotShare: doNotShare, appHash: appHash, webOTPHost: webOTPHost)
    }

    @Test("the English body is Twilio's sentence")
    func english() {
        #expect(Self.body() == "Your Acme verification code is: 123456")
    }

    @Test("the do-not-share warning is Twilio's sentence, after a full stop")
    func doNotShare() {
        let body = Self.body(doNotShare: true)
        #expect(
            body
                == "Your Acme verification code is: 123456. Don’t share this code with anyone; our employees will never "
                + "ask for the code")
        #expect(!body.contains("\n"))
    }

    @Test("the AppHash goes on a line of its own")
    func appHash() {
        let lines = Self.body(appHash: "He42w354ol9").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == ["Your Acme verification code is: 123456", "He42w354ol9"])
    }

    @Test("an empty AppHash or WebOTP host adds no line")
    func emptyExtras() {
        #expect(Self.body(appHash: "", webOTPHost: "") == "Your Acme verification code is: 123456")
    }

    @Test("the WebOTP origin line is the last line")
    func webOTP() {
        let lines = Self.body(webOTPHost: "example.com").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == ["Your Acme verification code is: 123456", "@example.com #123456"])
    }

    @Test(
        "the WebOTP origin line stays last with an AppHash and the warning", arguments: ["en", "es", "fr", "de", "pt"])
    func webOTPWithAppHash(_ locale: String) {
        let body = Self.body(locale, doNotShare: true, appHash: "He42w354ol9", webOTPHost: "example.com")
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines.last == "@example.com #123456")
        #expect(lines.dropLast().last == "He42w354ol9")
    }

    @Test("other languages say something else, with the code and the name", arguments: ["es", "fr", "de", "pt"])
    func otherLanguages(_ locale: String) {
        let body = Self.body(locale, name: "Acme")
        #expect(body != Self.body("en"))
        #expect(body.contains("123456"))
        #expect(body.contains("Acme"))
        #expect(!body.contains("{"))
        let warned = Self.body(locale, doNotShare: true)
        #expect(warned.hasPrefix(body + ". "))
        #expect(warned != Self.body("en", doNotShare: true))
    }

    @Test(
        "a locale is matched on its language",
        arguments: [
            ("pt-BR", "pt"), ("pt_PT", "pt"), ("es_MX", "es"), ("es-419", "es"), ("FR", "fr"), ("fr_CA", "fr"),
            ("de-AT", "de"), ("EN-gb", "en"),
        ])
    func localeLanguage(_ locale: String, _ language: String) {
        #expect(Self.body(locale) == Self.body(language))
        #expect(MessageText.forLocale(locale).voiceLanguage == MessageText.forLocale(language).voiceLanguage)
    }

    @Test("unknown or missing locales fall back to English", arguments: ["xx", "zh-Hans", "", "-", "123"])
    func fallback(_ locale: String) {
        #expect(Self.body(locale) == "Your Acme verification code is: 123456")
        #expect(MessageText.forLocale(locale).voiceLanguage == "en-US")
    }

    @Test("no locale means English")
    func noLocale() {
        #expect(Self.body(nil) == "Your Acme verification code is: 123456")
    }

    @Test("a service name that looks like a placeholder is not expanded")
    func placeholderInName() {
        #expect(Self.body(name: "{code}") == "Your {code} verification code is: 123456")
    }

    @Test("the body carries custom codes as they are")
    func customCode() {
        #expect(Self.body(code: OneTimeCode("AB12cd")!) == "Your Acme verification code is: AB12cd")
    }

    @Test(
        "a call reads the code one digit at a time, in order, in the locale's voice",
        arguments: [
            ("en", "en-US"), ("es", "es-ES"), ("fr", "fr-FR"), ("de", "de-DE"), ("pt", "pt-BR"), ("xx", "en-US"),
        ])
    func callScript(_ locale: String, _ voice: String) {
        let script = MessageText.forLocale(locale).callScript(serviceName: "Acme", code: OneTimeCode("9051387")!)
        #expect(script.digits == ["9", "0", "5", "1", "3", "8", "7"])
        #expect(script.language == voice)
        #expect(MessageText.forLocale(locale).voiceLanguage == voice)
        #expect(script.intro.contains("Acme"))
        #expect(!script.intro.contains("9051387"))
        #expect(!script.intro.contains("{"))
        #expect(!script.repeatLine.isEmpty)
        #expect(!script.pressAnyKey.isEmpty)
    }

    @Test("the English call script")
    func englishCallScript() {
        let script = MessageText.forLocale("en-US").callScript(serviceName: "Acme", code: OneTimeCode("0042")!)
        #expect(script.intro == "Your Acme verification code is:")
        #expect(script.digits == ["0", "0", "4", "2"])
        #expect(script.language == "en-US")
    }
}
