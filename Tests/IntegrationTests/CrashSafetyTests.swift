import FakeTwilio
import Foundation
import TestSupport
import Testing

/// Instances die; deliveries neither get lost nor go out twice.
@Suite("Durable delivery across crashes")
struct CrashSafetyTests {
    @Test("with the fast path off, a send queued by an instance killed before dispatching goes out exactly once")
    func queuedSendSurvivesCrash() async throws {
        let fixture = try await TwilioFixture.make(["VERIFYD_DELIVERY_FAST_PATH": "false"])
        // This instance's dispatcher runs once at start and then not for ten minutes.
        let doomed = try await fixture.serve(["VERIFYD_DISPATCH_INTERVAL_MS": "600000"])
        let service = try await doomed.createService()
        let reply = try await doomed.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550170"), ("Channel", "sms")])
        #expect(reply.status == 201)
        #expect(
            try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "queued")
        doomed.process.kill()
        try await doomed.process.waitForExit()
        #expect(fixture.fake.requests.isEmpty)

        let survivor = try await fixture.serve()
        _ = try await fixture.fake.waitForRequests(count: 1, timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(500))
        #expect(fixture.fake.requests.count == 1)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "sent")
        try await fixture.finish(survivor)
    }

    @Test("an instance killed while its send hangs leaves the attempt unknown after the lease, never re-sent")
    func hangingSendBecomesUnknown() async throws {
        // A 1 s Twilio timeout gives a 3 s lease (twice the timeout and a second).
        let fixture = try await TwilioFixture.make(["VERIFYD_TWILIO_TIMEOUT_MS": "1000"])
        fixture.fake.enqueue(.hang(for: .seconds(10)), for: .messages)
        let doomed = try await fixture.serve()
        let service = try await doomed.createService()
        let start = Task {
            try? await doomed.post(
                "/v2/Services/\(service)/Verifications", [("To", "+14155550171"), ("Channel", "sms")])
        }
        _ = try await fixture.fake.waitForRequests(count: 1, timeout: .seconds(5))
        doomed.process.kill()
        try await doomed.process.waitForExit()
        _ = await start.value
        #expect(
            try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "sending")

        let survivor = try await fixture.serve()
        try await survivor.process.waitForLog(matching: "dispatcher.leases.expired", timeout: .seconds(10))
        #expect(
            try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "unknown")
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.fake.requests.count == 1)
        // The user may still ask for the code again: that is a new attempt, within the send limit.
        let resend = try await survivor.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550171"), ("Channel", "sms")])
        #expect(resend.status == 201)
        #expect((resend.json["send_code_attempts"] as? [Any])?.count == 2)
        try await fixture.finish(survivor)
    }
}
