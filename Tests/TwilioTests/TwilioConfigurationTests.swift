import FakeTwilio
import Testing
import Twilio

@Suite struct TwilioConfigurationTests {
    @Test func validSettingsAreKeptAndTheBaseURLLosesItsTrailingSlash() throws {
        let account = FakeTwilioSID.random("AC")
        let configuration = try TwilioConfiguration(
            accountSID: account,
            credentials: .authToken("token"),
            apiBaseURL: "http://127.0.0.1:8080/"
        )
        #expect(configuration.apiBaseURL == "http://127.0.0.1:8080")
        #expect(configuration.connectTimeout == .milliseconds(5000))
        #expect(configuration.totalTimeout == .milliseconds(10000))
        #expect(configuration.accountSID == account)
    }

    @Test func everyProblemIsReportedAtOnce() {
        #expect {
            try TwilioConfiguration(
                accountSID: "AC123",
                credentials: .apiKey(sid: "XX", secret: ""),
                apiBaseURL: "ftp://example.com",
                totalTimeout: .zero,
                maxInFlight: 0
            )
        } throws: { error in
            (error as? TwilioConfigurationError)?.problems.count == 6
        }
    }

    @Test func theDescriptionNeverShowsSecrets() throws {
        let configuration = try TwilioConfiguration(
            accountSID: FakeTwilioSID.random("AC"),
            credentials: .apiKey(sid: FakeTwilioSID.random("SK"), secret: "super-secret-value")
        )
        #expect(!configuration.description.contains("super-secret-value"))
        let tokenConfiguration = try TwilioConfiguration(
            accountSID: FakeTwilioSID.random("AC"),
            credentials: .authToken("another-secret")
        )
        #expect(!tokenConfiguration.description.contains("another-secret"))
        #expect(!"\(tokenConfiguration.credentials)".contains("another-secret"))
    }

    @Test func outgoingValuesDescribeThemselvesWithoutNumbersOrText() {
        let message = OutgoingMessage(to: "+14155550100", sender: .phoneNumber("+14155550199"), body: "code 123456")
        #expect(message.description == "OutgoingMessage(to: +1***00, body: 11 characters)")
        let call = OutgoingCall(to: "+14155550100", from: "+14155550199", url: "https://e.com/v")
        #expect(!call.description.contains("4155550100"))
        #expect(!call.description.contains("4155550199"))
    }
}
