import Testing
import VerifyCore

@Suite("ServiceSettings")
struct ServiceSettingsTests {
    @Test("defaults: six digits, ten minutes, five checks, five sends, no options")
    func defaults() {
        let settings = ServiceSettings(friendlyName: "Acme")
        #expect(settings.codeLength == 6)
        #expect(settings.codeValiditySeconds == 600)
        #expect(settings.maxCheckAttempts == 5)
        #expect(settings.maxSendAttempts == 5)
        #expect(!settings.doNotShareWarningEnabled)
        #expect(!settings.customCodeEnabled)
        #expect(!settings.lookupEnabled)
        #expect(!settings.skipSmsToLandlines)
        #expect(settings.invalidParameters().isEmpty)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var change: @Sendable (inout ServiceSettings) -> Void
        var invalid: [String]
    }

    @Test(
        "invalidParameters names the field at fault",
        arguments: [
            Row(testDescription: "code length 3", change: { $0.codeLength = 3 }, invalid: ["CodeLength"]),
            Row(testDescription: "code length 11", change: { $0.codeLength = 11 }, invalid: ["CodeLength"]),
            Row(
                testDescription: "validity 119 s", change: { $0.codeValiditySeconds = 119 },
                invalid: ["CodeValiditySeconds"]),
            Row(
                testDescription: "validity 86 401 s", change: { $0.codeValiditySeconds = 86_401 },
                invalid: ["CodeValiditySeconds"]),
            Row(
                testDescription: "0 check attempts", change: { $0.maxCheckAttempts = 0 }, invalid: ["MaxCheckAttempts"]),
            Row(
                testDescription: "101 check attempts", change: { $0.maxCheckAttempts = 101 },
                invalid: ["MaxCheckAttempts"]),
            Row(testDescription: "0 send attempts", change: { $0.maxSendAttempts = 0 }, invalid: ["MaxSendAttempts"]),
            Row(
                testDescription: "101 send attempts", change: { $0.maxSendAttempts = 101 }, invalid: ["MaxSendAttempts"]
            ),
            Row(
                testDescription: "SkipSmsToLandlines without LookupEnabled", change: { $0.skipSmsToLandlines = true },
                invalid: ["SkipSmsToLandlines"]),
            Row(testDescription: "a bad friendly name", change: { $0.friendlyName = "www" }, invalid: ["FriendlyName"]),
            Row(
                testDescription: "SkipSmsToLandlines with LookupEnabled",
                change: {
                    $0.skipSmsToLandlines = true
                    $0.lookupEnabled = true
                }, invalid: []),
            Row(
                testDescription: "every limit at its lower bound",
                change: {
                    $0.codeLength = 4
                    $0.codeValiditySeconds = 120
                    $0.maxCheckAttempts = 1
                    $0.maxSendAttempts = 1
                }, invalid: []),
            Row(
                testDescription: "every limit at its upper bound",
                change: {
                    $0.codeLength = 10
                    $0.codeValiditySeconds = 86_400
                    $0.maxCheckAttempts = 100
                    $0.maxSendAttempts = 100
                }, invalid: []),
        ])
    func invalidParameter(_ row: Row) {
        var settings = ServiceSettings(friendlyName: "Acme")
        row.change(&settings)
        #expect(settings.invalidParameters() == row.invalid)
    }

    @Test("invalidParameters lists every fault at once")
    func severalAtOnce() {
        var settings = ServiceSettings(friendlyName: "")
        settings.codeLength = 11
        settings.codeValiditySeconds = 119
        settings.maxCheckAttempts = 0
        settings.maxSendAttempts = 101
        settings.skipSmsToLandlines = true
        #expect(
            Set(settings.invalidParameters()) == [
                "FriendlyName", "CodeLength", "CodeValiditySeconds", "MaxCheckAttempts", "MaxSendAttempts",
                "SkipSmsToLandlines",
            ])
        #expect(settings.invalidParameters().count == 6)
    }

    @Test(
        "friendly names Twilio accepts",
        arguments: [
            "Acme", "My App 2", "a", String(repeating: "x", count: 30), "App 1234", "my-app_v2", "Café Zürich",
            "Cafe\u{301} Zu\u{308}rich", String(repeating: "\u{E9}", count: 30),
        ])
    func validNames(_ name: String) {
        #expect(ServiceSettings.isValidFriendlyName(name))
    }

    @Test(
        "friendly names Twilio refuses",
        arguments: [
            String(repeating: "x", count: 31), "App 12345", "12345", "1 2 3 4 5", "visit http://x", "HTTPS site",
            "www.evil", "wwwevil", "a://b", "", "   ", "\t\n", "Acme!", "Acme.com", "Acme\nBank", "a@b",
            // Stored as given, so judged as given: padding is refused, not trimmed (the table checks length 1–30).
            "  Acme  ", " Acme", "Acme ", "Acme" + String(repeating: " ", count: 30), "Acme\u{0}",
            // 30 characters but 60 Unicode scalars, as PostgreSQL counts them.
            String(repeating: "e\u{301}", count: 30),
        ])
    func invalidNames(_ name: String) {
        #expect(!ServiceSettings.isValidFriendlyName(name))
    }

    @Test(
        "a friendly name cannot smuggle a phone number in non-ASCII digits",
        arguments: ["Call ١٢٣٤٥٦٧٨٩", "Call ０１２３４５６７８", "Acme ۱۲۳۴۵"])
    func nonASCIIDigits(_ name: String) {
        #expect(!ServiceSettings.isValidFriendlyName(name))
    }

    @Test(
        "voice names as Twilio writes them",
        arguments: ["alice", "Polly.Joanna-Neural", "Google.en-US-Neural2-A", "a_b"])
    func ttsNames(_ name: String) {
        #expect(ServiceSettings.isValidTTSName(name))
    }

    @Test(
        "anything else is no voice name",
        arguments: ["", "Polly Amy", "Polly\nAmy", "Pölly.Amy", "Polly\u{0}", String(repeating: "x", count: 65)])
    func notTTSNames(_ name: String) {
        #expect(!ServiceSettings.isValidTTSName(name))
        var settings = ServiceSettings(friendlyName: "Acme")
        settings.ttsName = name
        #expect(settings.invalidParameters() == ["TtsName"])
    }
}
