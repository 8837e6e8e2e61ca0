import FakeTwilio
import Foundation
import TestSupport
import Testing

/// `VERIFYD_TWILIO_MAX_IN_FLIGHT` bounds what an instance has in flight at Twilio; nothing queues behind it.
@Suite("Twilio requests in flight")
struct TwilioCapacityTests {
    @Test("past the cap a start answers 503 with Retry-After at once and stores nothing")
    func startPastTheCap() async throws {
        let fixture = try await TwilioFixture.make(["VERIFYD_TWILIO_MAX_IN_FLIGHT": "1"])
        let api = try await fixture.serve()
        let service = try await api.createService()
        fixture.fake.holdResponses()
        let first = Task {
            try await api.post("/v2/Services/\(service)/Verifications", [("To", "+14155550180"), ("Channel", "sms")])
        }
        _ = try await fixture.fake.waitForRequests(count: 1)
        let refused = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550181"), ("Channel", "sms")])
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.json["code"] as? Int == 20503)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT count(*) FROM verifications") == "1")
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT count(*) FROM delivery_attempts") == "1")
        fixture.fake.releaseResponses()
        #expect(try await first.value.status == 201)
        // The place is free again.
        let next = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550181"), ("Channel", "sms")])
        #expect(next.status == 201)
        #expect(fixture.fake.stats.peakInFlight == 1)
        try await fixture.finish(api)
    }

    @Test("the dispatcher claims only what it has slots for, and keeps claiming while a slow send is in flight")
    func dispatcherWithinTheCap() async throws {
        let fixture = try await TwilioFixture.make([
            "VERIFYD_TWILIO_MAX_IN_FLIGHT": "2", "VERIFYD_DELIVERY_FAST_PATH": "false",
            "VERIFYD_TWILIO_TIMEOUT_MS": "60000",
        ])
        // The first send is slow, the second less so, the third answered at once.
        fixture.fake.enqueue(.delay(.seconds(30), then: .succeed), .delay(.seconds(2), then: .succeed), for: .messages)
        fixture.fake.holdResponses()
        let api = try await fixture.serve()
        let service = try await api.createService()
        for number in ["+14155550182", "+14155550183", "+14155550184"] {
            let reply = try await api.post(
                "/v2/Services/\(service)/Verifications", [("To", number), ("Channel", "sms")])
            #expect(reply.status == 201)
        }
        _ = try await fixture.fake.waitForRequests(count: 2)
        // Many dispatch intervals pass: the third attempt waits in the outbox, unclaimed, its lease not running.
        try await Task.sleep(for: .milliseconds(500))
        let states = "SELECT string_agg(status, ',' ORDER BY status) FROM delivery_attempts"
        let during = try await IntegrationFixture.scalar(fixture.database, states)
        #expect(during == "queued,sending,sending")
        #expect(fixture.fake.requests.count == 2)
        fixture.fake.releaseResponses()
        // The 2 s send frees its slot and the third goes out while the 30 s one is still in flight.
        _ = try await fixture.fake.waitForRequests(count: 3, timeout: .seconds(20))
        let after = try await IntegrationFixture.scalar(fixture.database, states, becomes: "sending,sent,sent")
        #expect(after == "sending,sent,sent")
        #expect(fixture.fake.stats.peakInFlight == 2)
        // Not worth waiting out the slow send.
        api.process.kill()
        try await fixture.finish(api)
    }
}
