import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import VerifyCore

/// What the caller of create sees when delivery does not simply succeed (issue 4, "What the caller of create sees").
@Suite("Delivery errors through the Verify API")
struct DeliveryErrorTests {
    static let to = "+14155550190"

    @Test(
        "a permanent Twilio error on the first send fails the verification and answers Twilio Verify's error",
        arguments: [
            (21211, HTTPResponse.Status.badRequest, 60200), (21612, .badRequest, 60200), (21614, .forbidden, 60205),
            (21408, .forbidden, 60605), (21610, .badRequest, 21610),
        ])
    func permanentError(twilioCode: Int, status: HTTPResponse.Status, code: Int) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            fixture.sender.script(.rejected(errorCode: twilioCode))
            let refused = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "call"])
            try refused.expectTwilioError(status, code: code)
            let stored: String = try await fixture.scalar("SELECT status FROM verifications")
            #expect(stored == "failed")
            // The slot is free again: a new start makes a new verification (by call, which an opt-out allows).
            let next = try await api.start(service, to: Self.to, channel: "call")
            #expect(next["status"] as? String == "pending")
            let rows: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(rows == 2)
        }
    }

    @Test("a send whose outcome is unknown answers 201 pending and the attempt shows unknown")
    func unknownOutcome() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            fixture.sender.script(.unknown)
            let started = try await api.start(service, to: Self.to)
            #expect(started["status"] as? String == "pending")
            let attempts = try #require(started["send_code_attempts"] as? [[String: Any]])
            #expect(attempts.first?["delivery_status"] as? String == "unknown")
        }
    }

    @Test("a retryable failure answers 201 pending with the attempt queued for the dispatcher")
    func retryable() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            fixture.sender.script(.retryable(errorCode: 20429, retryAfter: 600))
            let started = try await api.start(service, to: Self.to)
            let attempts = try #require(started["send_code_attempts"] as? [[String: Any]])
            #expect(attempts.first?["delivery_status"] as? String == "queued")
            let wait: Double = try await fixture.scalar(
                "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM delivery_attempts")
            #expect(wait > 500)
        }
    }

    @Test("with delivery unavailable, create is 503 with Retry-After and stores nothing")
    func unavailable() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            fixture.sender.setUnavailable(retryAfter: 30)
            let refused = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "sms"])
            try refused.expectTwilioError(.serviceUnavailable, code: 20503)
            #expect(refused.headers[.retryAfter] == "30")
            let sms = try await api.post("/sms", ["number": Self.to])
            #expect(sms.status == .serviceUnavailable)
            #expect(sms.headers[.retryAfter] == "30")
            let rows: Int = try await fixture.scalar("SELECT count(*) FROM verifications")
            #expect(rows == 0)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a channel the sender cannot deliver is 400 / 60223")
    func channelDisabled() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            fixture.sender.setUnsupported([.call])
            let refused = try await api.post(APIClient.verifications(service), ["To": Self.to, "Channel": "call"])
            try refused.expectTwilioError(.badRequest, code: 60223)
            #expect(try await api.post("/who", ["number": Self.to]).status == .badRequest)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a blocked phone is 403 / 60410 and an opted-out one 400 / 21610 on the Verify API")
    func phoneStanding() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let blocked = PhoneNumber(e164: "+14155550191")!
            let optedOut = PhoneNumber(e164: "+14155550192")!
            try await fixture.client.query(
                """
                INSERT INTO phones (bucket, phone, blocked_at, blocked_reason, opted_out_at)
                VALUES (\(blocked.bucket), \(blocked.e164), now(), 'test', NULL),
                    (\(optedOut.bucket), \(optedOut.e164), NULL, NULL, now())
                """)
            try await api.post(APIClient.verifications(service), ["To": blocked.e164, "Channel": "sms"])
                .expectTwilioError(.forbidden, code: 60410)
            try await api.post(APIClient.verifications(service), ["To": optedOut.e164, "Channel": "sms"])
                .expectTwilioError(.badRequest, code: 21610)
            // One table for both surfaces: the original route answers the same 400, with an empty body.
            #expect(try await api.post("/sms", ["number": optedOut.e164]).status == .badRequest)
            #expect(fixture.sender.messages.isEmpty)
        }
    }
}
