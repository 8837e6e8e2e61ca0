import FakeTwilio
import Testing
import Twilio

/// Requests run side by side on libcurl's multi interface, never more than the cap at once. Concurrency is read
/// off what the fake sees (requests it holds until released), never off the clock.
@Suite struct TwilioClientConcurrencyTests {
    /// Starts `count` message requests and returns their tasks.
    static func startMessages(_ count: Int, on client: TwilioClient) -> [Task<TwilioResource, any Error>] {
        (0..<count).map { _ in Task { try await client.createMessage(TwilioClientFixture.message()) } }
    }

    @Test func manyRequestsAreInFlightAtOnce() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30), maxInFlight: 32) { fixture in
            fixture.fake.holdResponses()
            let tasks = Self.startMessages(32, on: fixture.client)
            // The fake answers nothing yet, so all 32 can only arrive if they are in flight together.
            _ = try await fixture.fake.waitForRequests(count: 32, timeout: .seconds(20))
            fixture.fake.releaseResponses()
            var sids: Set<String> = []
            for task in tasks { sids.insert(try await task.value.sid) }
            #expect(sids.count == 32)
            #expect(fixture.fake.stats.peakInFlight == 32)
        }
    }

    @Test func aRequestPastTheCapFailsAtOnceAsNotSentAndNeverReachesTwilio() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30), maxInFlight: 4) { fixture in
            fixture.fake.holdResponses()
            let tasks = Self.startMessages(4, on: fixture.client)
            _ = try await fixture.fake.waitForRequests(count: 4, timeout: .seconds(20))
            #expect(fixture.client.reserveSlot() == nil)
            for _ in 0..<8 {
                let error = await #expect(throws: TwilioError.self) {
                    try await fixture.client.createMessage(TwilioClientFixture.message())
                }
                #expect(error?.kind == .notSent)
                #expect(error?.isSafeToRetry == true)
            }
            #expect(fixture.fake.requests.count == 4)
            fixture.fake.releaseResponses()
            for task in tasks { _ = try await task.value }
            #expect(fixture.fake.stats.peakInFlight == 4)
            // Every place is free again.
            _ = try await fixture.client.createMessage(TwilioClientFixture.message())
        }
    }

    @Test func aReservedSlotKeepsItsPlaceUntilUsedOrDropped() async throws {
        try await TwilioClientFixture.run(maxInFlight: 1) { fixture in
            var slot = fixture.client.reserveSlot()
            #expect(slot != nil)
            #expect(fixture.client.reserveSlot() == nil)
            await #expect(throws: TwilioError.self) {
                try await fixture.client.createMessage(TwilioClientFixture.message())
            }
            _ = try await fixture.client.createMessage(TwilioClientFixture.message(), in: slot)
            // A slot carries one request.
            let reused = await #expect(throws: TwilioError.self) {
                try await fixture.client.createMessage(TwilioClientFixture.message(), in: slot)
            }
            #expect(reused?.kind == .notSent)
            slot = fixture.client.reserveSlot()
            #expect(slot != nil)
            slot = nil
            #expect(fixture.client.reserveSlot() != nil, "a dropped slot gives its place back")
            #expect(fixture.fake.requests.count == 1)
        }
    }

    /// libcurl starts a transfer's timeout when it is added to the multi handle. Were libcurl's connection limits
    /// below the cap, the later requests would wait inside libcurl for a connection while their timeout ran, and
    /// two answers' delay in a row would exceed it.
    @Test func everyRequestUpToTheCapGetsItsWholeTimeout() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(3), maxInFlight: 4) { fixture in
            for _ in 0..<4 {
                fixture.fake.enqueue(.delay(.seconds(2), then: .succeed), for: .messages)
            }
            for task in Self.startMessages(4, on: fixture.client) {
                _ = try await task.value
            }
            #expect(fixture.fake.stats.peakInFlight == 4)
        }
    }

    @Test func connectionsAreKeptAndReusedAcrossBursts() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30), maxInFlight: 8) { fixture in
            for burst in 1...2 {
                fixture.fake.holdResponses()
                let tasks = Self.startMessages(8, on: fixture.client)
                _ = try await fixture.fake.waitForRequests(count: 8 * burst, timeout: .seconds(20))
                fixture.fake.releaseResponses()
                for task in tasks { _ = try await task.value }
            }
            #expect(fixture.fake.connectionCount == 8)
        }
    }

    @Test func cancellingOneRequestLeavesTheOthersRunning() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30)) { fixture in
            fixture.fake.holdResponses()
            let tasks = Self.startMessages(3, on: fixture.client)
            _ = try await fixture.fake.waitForRequests(count: 3, timeout: .seconds(20))
            tasks[1].cancel()
            guard case .failure(let failure) = await tasks[1].result, let error = failure as? TwilioError else {
                Issue.record("expected the cancelled request to fail")
                return
            }
            // It reached the fake, so it may have been acted on.
            #expect(error.kind == .ambiguous)
            fixture.fake.releaseResponses()
            _ = try await tasks[0].value
            _ = try await tasks[2].value
        }
    }

    @Test func shutdownRefusesNewRequestsAndLetsRunningOnesFinish() async throws {
        try await TwilioClientFixture.run(totalTimeout: .seconds(30)) { fixture in
            fixture.fake.enqueue(.delay(.seconds(2), then: .succeed), for: .messages)
            let running = Self.startMessages(1, on: fixture.client)[0]
            _ = try await fixture.fake.waitForRequests(count: 1, timeout: .seconds(20))
            let shutdown = Task { await fixture.client.shutdown() }
            // Until shutdown begins, requests are answered at once; from then on they are refused.
            var refusal: TwilioError?
            while refusal == nil {
                do throws(TwilioError) {
                    _ = try await fixture.client.createMessage(TwilioClientFixture.message())
                } catch {
                    refusal = error
                }
            }
            #expect(refusal?.kind == .notSent)
            #expect(refusal?.description.contains("shut down") == true)
            #expect(try await running.value.sid.hasPrefix("SM"), "the running request finished")
            await shutdown.value
        }
    }
}
