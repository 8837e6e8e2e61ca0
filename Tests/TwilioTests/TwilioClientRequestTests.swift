import FakeTwilio
import Testing
import Twilio

@Suite struct TwilioClientRequestTests {
    @Test func anSMSIsPostedWithExactlyTheFieldsTwilioExpects() async throws {
        try await TwilioClientFixture.run { fixture in
            let message = TwilioClientFixture.message(
                statusCallback: "https://verify.example.com/twilio/status?id=1",
                validityPeriod: .seconds(600)
            )
            let created = try await fixture.client.createMessage(message)
            #expect(created.sid.hasPrefix("SM") && created.sid.count == 34)
            #expect(created.status == "queued")

            let requests = try await fixture.fake.waitForRequests(count: 1, timeout: .milliseconds(1000))
            let request = try #require(requests.first)
            let account = fixture.fake.account
            #expect(request.method == "POST")
            #expect(request.path == "/2010-04-01/Accounts/\(account.accountSID)/Messages.json")
            #expect(request.basicAuth?.username == account.accountSID)
            #expect(request.basicAuth?.password == account.authToken)
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("User-Agent") == "verifyd/test")
            #expect(request.formNames == ["To", "From", "Body", "StatusCallback", "ValidityPeriod"])
            #expect(request.formValue("To") == TwilioClientFixture.to)
            #expect(request.formValue("From") == TwilioClientFixture.from)
            #expect(request.formValue("Body") == TwilioClientFixture.body)
            #expect(request.formValue("StatusCallback") == "https://verify.example.com/twilio/status?id=1")
            #expect(request.formValue("ValidityPeriod") == "600")
            #expect(request.disposition == .answered(status: 201))
        }
    }

    @Test func aMessagingServiceReplacesFrom() async throws {
        try await TwilioClientFixture.run { fixture in
            let service = FakeTwilioSID.random("MG")
            let created = try await fixture.client.createMessage(
                TwilioClientFixture.message(sender: .messagingService(sid: service))
            )
            #expect(created.status == "accepted")
            let request = try #require(fixture.fake.requests.first)
            #expect(request.formNames == ["To", "MessagingServiceSid", "Body"])
            #expect(request.formValue("MessagingServiceSid") == service)
        }
    }

    @Test(
        "the validity period is sent in whole seconds within Twilio's limits",
        arguments: [
            (Duration.seconds(100_000), "36000"), (.seconds(36_000), "36000"), (.milliseconds(1500), "2"),
            (.zero, "1"), (.seconds(-5), "1"),
        ]
    )
    func validityPeriodIsClamped(_ period: Duration, sent: String) async throws {
        try await TwilioClientFixture.run { fixture in
            _ = try await fixture.client.createMessage(TwilioClientFixture.message(validityPeriod: period))
            #expect(fixture.fake.requests.first?.formValue("ValidityPeriod") == sent)
        }
    }

    @Test func aCallIsPostedWithTheTwiMLURLAndStatusCallbackEvents() async throws {
        try await TwilioClientFixture.run { fixture in
            let call = OutgoingCall(
                to: TwilioClientFixture.to,
                from: TwilioClientFixture.from,
                url: "https://verify.example.com/twilio/voice?id=7",
                statusCallback: "https://verify.example.com/twilio/call-status",
                statusCallbackEvents: [.initiated, .ringing, .answered, .completed],
                ringTimeout: .seconds(25)
            )
            let created = try await fixture.client.createCall(call)
            #expect(created.sid.hasPrefix("CA") && created.sid.count == 34)
            #expect(created.status == "queued")

            let request = try #require(fixture.fake.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/2010-04-01/Accounts/\(fixture.fake.account.accountSID)/Calls.json")
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(request.formValue("To") == TwilioClientFixture.to)
            #expect(request.formValue("From") == TwilioClientFixture.from)
            #expect(request.formValue("Url") == "https://verify.example.com/twilio/voice?id=7")
            #expect(request.formValue("Method") == "POST")
            #expect(request.formValue("StatusCallback") == "https://verify.example.com/twilio/call-status")
            #expect(request.formValue("StatusCallbackMethod") == "POST")
            #expect(request.formValues("StatusCallbackEvent") == ["initiated", "ringing", "answered", "completed"])
            #expect(request.formValue("Timeout") == "25")
        }
    }

    @Test func aCallWithoutStatusCallbackSendsNoCallbackFields() async throws {
        try await TwilioClientFixture.run { fixture in
            let call = OutgoingCall(to: TwilioClientFixture.to, from: TwilioClientFixture.from, url: "https://e.com/v")
            _ = try await fixture.client.createCall(call)
            #expect(fixture.fake.requests.first?.formNames == ["To", "From", "Url", "Method", "Timeout"])
            #expect(fixture.fake.requests.first?.formValue("Timeout") == "60")
        }
    }

    @Test func anAPIKeyAuthenticatesWhileTheAccountSIDStaysInThePath() async throws {
        let key = FakeTwilioAccount.APIKey.random()
        try await TwilioClientFixture.run(account: FakeTwilioAccount(apiKeys: [key]), useAPIKey: true) { fixture in
            let created = try await fixture.client.createMessage(TwilioClientFixture.message())
            #expect(created.sid.hasPrefix("SM"))
            let request = try #require(fixture.fake.requests.first)
            #expect(request.basicAuth?.username == key.sid)
            #expect(request.basicAuth?.password == key.secret)
            #expect(request.path == "/2010-04-01/Accounts/\(fixture.fake.account.accountSID)/Messages.json")
        }
    }

    @Test func requestsReuseOneConnectionInsteadOfReconnecting() async throws {
        try await TwilioClientFixture.run { fixture in
            for _ in 0..<3 {
                _ = try await fixture.client.createMessage(TwilioClientFixture.message())
            }
            let requests = try await fixture.fake.waitForRequests(count: 3, timeout: .milliseconds(1000))
            #expect(requests.allSatisfy { $0.header("Connection")?.lowercased() != "close" })
            #expect(fixture.fake.connectionCount == 1)
        }
    }
}
