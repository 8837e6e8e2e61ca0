import FakeTwilio
import Testing
import Twilio

@Suite struct TwilioClientTransportTests {
    @Test func aServerThatNeverAnswersEndsInAnAmbiguousTimeoutWithinTheDeadline() async throws {
        try await TwilioClientFixture.run(totalTimeout: .milliseconds(200)) { fixture in
            fixture.fake.enqueue(.hang(for: .seconds(10)), for: .messages)
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: TwilioError.self) {
                try await fixture.client.createMessage(TwilioClientFixture.message())
            }
            let elapsed = clock.now - start
            #expect(error?.kind == .ambiguous)
            #expect(error?.curlCode == 28)
            #expect(error?.isSafeToRetry == false)
            #expect(elapsed >= .milliseconds(150))
            #expect(elapsed < .seconds(8), "well before the 10 s the server would hang")
            let requests = fixture.fake.requests
            #expect(requests.count == 1)
            #expect(requests.first?.disposition == .hung)
            #expect(requests.first?.formValue("Body") == TwilioClientFixture.body)
        }
    }

    @Test func aConnectionDroppedAfterTheRequestIsAmbiguous() async throws {
        try await TwilioClientFixture.run { fixture in
            fixture.fake.enqueue(.dropConnection, for: .messages)
            let error = await #expect(throws: TwilioError.self) {
                try await fixture.client.createMessage(TwilioClientFixture.message())
            }
            #expect(error?.kind == .ambiguous)
            #expect(error?.curlCode == 52)
            #expect(error?.isSafeToRetry == false)
            #expect(fixture.fake.requests.map(\.disposition) == [.dropped])
        }
    }

    @Test func aConnectionClosedByTheServerAfterAHangIsAmbiguous() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(5)) { fixture in
            fixture.fake.enqueue(.hang(for: .milliseconds(50)), for: .calls)
            let call = OutgoingCall(to: TwilioClientFixture.to, from: TwilioClientFixture.from, url: "https://e.com/v")
            let error = await #expect(throws: TwilioError.self) { try await fixture.client.createCall(call) }
            #expect(error?.kind == .ambiguous)
            #expect(fixture.fake.requests.count == 1)
        }
    }

    @Test func aRefusedConnectionIsNotSentAndSafeToRetry() async throws {
        let url = try await FakeTwilio.closedPortURL()
        let configuration = try TwilioConfiguration(
            accountSID: FakeTwilioSID.random("AC"),
            credentials: .authToken("token"),
            apiBaseURL: url,
            totalTimeout: .milliseconds(2000)
        )
        let client = TwilioClient(configuration: configuration)
        let error = await #expect(throws: TwilioError.self) {
            try await client.createMessage(TwilioClientFixture.message())
        }
        await client.shutdown()
        #expect(error?.kind == .notSent)
        #expect(error?.curlCode == 7)
        #expect(error?.isSafeToRetry == true)
    }

    @Test func aRefusedConnectionReachesNoServer() async throws {
        try await TwilioClientFixture.run { fixture in
            let configuration = try TwilioConfiguration(
                accountSID: fixture.fake.account.accountSID,
                credentials: .authToken(fixture.fake.account.authToken),
                apiBaseURL: try await FakeTwilio.closedPortURL()
            )
            let client = TwilioClient(configuration: configuration)
            _ = try? await client.createMessage(TwilioClientFixture.message())
            await client.shutdown()
            #expect(fixture.fake.requests.isEmpty)
        }
    }

    @Test func aDelayedAnswerWithinTheDeadlineSucceeds() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(5)) { fixture in
            fixture.fake.enqueue(.delay(.milliseconds(100), then: .succeed), for: .messages)
            let created = try await fixture.client.createMessage(TwilioClientFixture.message())
            #expect(created.sid.hasPrefix("SM"))
        }
    }

    @Test func cancellingTheCallerAbortsAHangingTransferAsAmbiguous() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30)) { fixture in
            fixture.fake.enqueue(.hang(for: .seconds(30)), for: .messages)
            let clock = ContinuousClock()
            let task = Task { try await fixture.client.createMessage(TwilioClientFixture.message()) }
            _ = try await fixture.fake.waitForRequests(count: 1, timeout: .milliseconds(2000))
            let start = clock.now
            task.cancel()
            let result = await task.result
            #expect(clock.now - start < .seconds(10), "long before the 30 s hang ends")
            guard case .failure(let failure) = result, let error = failure as? TwilioError else {
                Issue.record("expected the cancelled request to fail")
                return
            }
            #expect(error.kind == .ambiguous)
            #expect(error.curlCode == 42)
        }
    }

    @Test func aShutDownClientSendsNothingAndSaysSo() async throws {
        try await TwilioClientFixture.run { fixture in
            let configuration = try TwilioConfiguration(
                accountSID: fixture.fake.account.accountSID,
                credentials: .authToken(fixture.fake.account.authToken),
                apiBaseURL: fixture.fake.baseURL
            )
            let client = TwilioClient(configuration: configuration)
            await client.shutdown()
            let error = await #expect(throws: TwilioError.self) {
                try await client.createMessage(TwilioClientFixture.message())
            }
            #expect(error?.kind == .notSent)
            #expect(error?.curlCode == nil)
            #expect(fixture.fake.requests.isEmpty)
        }
    }
}

@Suite struct TwilioClientConnectTimeoutTests {
    @Test func aTimeoutWhileConnectingIsNotSentAndSafeToRetry() async throws {
        let listener = try FakeTwilioSaturatedListener()
        let configuration = try TwilioConfiguration(
            accountSID: FakeTwilioSID.random("AC"),
            credentials: .authToken("token"),
            apiBaseURL: listener.baseURL,
            connectTimeout: .milliseconds(200),
            totalTimeout: .seconds(20)
        )
        let client = TwilioClient(configuration: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: TwilioError.self) {
            try await client.createMessage(TwilioClientFixture.message())
        }
        let elapsed = clock.now - start
        await client.shutdown()
        withExtendedLifetime(listener) {}
        #expect(error?.kind == .notSent)
        #expect(error?.curlCode == 28)
        #expect(error?.isSafeToRetry == true)
        // Far below the 20 s total timeout: the connect timeout ended it. The margin absorbs a loaded machine.
        #expect(elapsed < .seconds(8))
    }
}
