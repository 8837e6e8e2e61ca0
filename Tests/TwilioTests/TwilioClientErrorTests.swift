import FakeTwilio
import Testing
import Twilio

@Suite struct TwilioClientErrorTests {
    /// Sends one SMS against a fake scripted with `behavior` and returns the error it must fail with.
    static func failure(for behavior: FakeTwilioBehavior) async throws -> TwilioError {
        var caught: TwilioError?
        try await TwilioClientFixture.run { fixture in
            fixture.fake.enqueue(behavior, for: .messages)
            do throws(TwilioError) {
                let created = try await fixture.client.createMessage(TwilioClientFixture.message())
                Issue.record("expected a failure, got \(created)")
            } catch {
                caught = error
            }
            #expect(fixture.fake.requests.count == 1)
        }
        return try #require(caught)
    }

    @Test func a429IsSafeToRetryAfterTheRequestedDelay() async throws {
        let error = try await Self.failure(
            for: .respond(status: 429, twilioCode: 20429, message: "Too Many Requests", retryAfter: "7")
        )
        #expect(error.kind == .apiError)
        #expect(error.httpStatus == 429)
        #expect(error.twilioCode == 20429)
        #expect(error.retryAfter == .seconds(7))
        #expect(error.isSafeToRetry)
        #expect(!error.isPermanent)
    }

    @Test func a503WithTwilioBodyIsSafeToRetry() async throws {
        let error = try await Self.failure(
            for: .respond(status: 503, twilioCode: 20503, message: "Service unavailable", retryAfter: "2")
        )
        #expect(error.kind == .apiError)
        #expect(error.httpStatus == 503)
        #expect(error.retryAfter == .seconds(2))
        #expect(error.isSafeToRetry)
    }

    @Test func a503WithAnHTMLBodyIsNotSafeToRetry() async throws {
        let error = try await Self.failure(for: .respondHTML(status: 503, retryAfter: "5"))
        #expect(error.kind == .httpStatus)
        #expect(error.httpStatus == 503)
        #expect(error.twilioCode == nil)
        #expect(error.retryAfter == .seconds(5))
        #expect(!error.isSafeToRetry)
    }

    @Test func a500WithoutTwilioBodyIsNotSafeToRetry() async throws {
        let error = try await Self.failure(for: .respond(status: 500))
        #expect(error.kind == .httpStatus)
        #expect(error.httpStatus == 500)
        #expect(!error.isSafeToRetry)
        #expect(!error.isPermanent)
    }

    @Test func a502FromAProxyIsNotSafeToRetry() async throws {
        let error = try await Self.failure(for: .respondHTML(status: 502))
        #expect(error.kind == .httpStatus)
        #expect(!error.isSafeToRetry)
    }

    @Test("a permanent Twilio rejection exposes its code", arguments: [21211, 21612, 21614, 21408, 21610])
    func permanentRejectionExposesItsCode(_ code: Int) async throws {
        let error = try await Self.failure(
            for: .respond(status: 400, twilioCode: code, message: "The 'To' number +14155550100 is not valid.")
        )
        #expect(error.kind == .apiError)
        #expect(error.httpStatus == 400)
        #expect(error.twilioCode == code)
        #expect(error.moreInfo == "https://www.twilio.com/docs/errors/\(code)")
        #expect(error.isPermanent)
        #expect(!error.isSafeToRetry)
    }

    @Test func anInvalidToNumberIsRejectedByTheFakeAsByTwilio() async throws {
        try await TwilioClientFixture.run { fixture in
            var message = TwilioClientFixture.message()
            message.to = "4155550100"
            let error = await #expect(throws: TwilioError.self) {
                try await fixture.client.createMessage(message)
            }
            #expect(error?.twilioCode == 21211)
            #expect(error?.isPermanent == true)
        }
    }

    @Test func wrongCredentialsGive20003() async throws {
        try await TwilioClientFixture.run(account: FakeTwilioAccount()) { fixture in
            let configuration = try TwilioConfiguration(
                accountSID: fixture.fake.account.accountSID,
                credentials: .authToken("wrong-token"),
                apiBaseURL: fixture.fake.baseURL
            )
            let client = TwilioClient(configuration: configuration)
            let error = await #expect(throws: TwilioError.self) {
                try await client.createMessage(TwilioClientFixture.message())
            }
            await client.shutdown()
            #expect(error?.httpStatus == 401)
            #expect(error?.twilioCode == 20003)
            #expect(error?.isSafeToRetry == false)
        }
    }

    @Test func errorDescriptionsNeverQuotePhoneNumbersOrMessageText() async throws {
        let message = "The 'To' number \(TwilioClientFixture.to) is not valid for \(TwilioClientFixture.body)"
        let error = try await Self.failure(for: .respond(status: 400, twilioCode: 21211, message: message))
        #expect(!error.description.contains("4155550100"))
        #expect(!error.description.contains("482913"))
        #expect(!String(describing: error).contains("4155550100"))
        #expect(error.description.contains("21211"))
        // The server's text stays available for debugging.
        #expect(error.debugDescription.contains(message))
    }

    @Test func logsMaskTheRecipientAndNeverContainTheBodyOrCredentials() async throws {
        try await TwilioClientFixture.run { fixture in
            _ = try await fixture.client.createMessage(TwilioClientFixture.message())
            fixture.fake.enqueue(.respond(status: 400, twilioCode: 21211, message: "bad +14155550100"), for: .messages)
            _ = try? await fixture.client.createMessage(TwilioClientFixture.message())
            let logs = fixture.logs.all.joined(separator: "\n")
            #expect(logs.contains("+1***00"))
            #expect(!logs.contains(TwilioClientFixture.to))
            #expect(!logs.contains("482913"))
            #expect(!logs.contains(fixture.fake.account.authToken))
        }
    }
}
