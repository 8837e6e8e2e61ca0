import FakeTwilio
import Foundation
import TestSupport
import Testing

/// Twilio's requests reach whichever instance the balancer picks, not the one that started the verification.
@Suite("Signed webhooks across instances")
struct WebhookTests {
    @Test("status callbacks update the attempt on another instance once, and unsigned or altered ones change nothing")
    func statusCallbacks() async throws {
        let fixture = try await TwilioFixture.make()
        let first = try await fixture.serve()
        let second = try await fixture.serve()
        let service = try await first.createService()
        let started = try await first.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550180"), ("Channel", "sms")])
        let sid = try #require(started.json["sid"] as? String)
        let attempt = try #require(
            (started.json["send_code_attempts"] as? [[String: Any]])?.first?["attempt_sid"] as? String)
        let path = "/twilio/status/\(attempt)"
        let form = [("MessageSid", "SM" + String(repeating: "a", count: 32)), ("MessageStatus", "delivered")]

        #expect(try await TestHTTPClient().send("POST", second.process.baseURL + path, form: form).status == 403)
        let altered = try await fixture.webhook(
            second, path, [("MessageSid", form[0].1), ("MessageStatus", "undelivered")],
            signature: Self.signature(fixture, path, form))
        #expect(altered.status == 403)
        let wrongURL = try await fixture.webhook(
            second, path, form, signature: Self.signature(fixture, path + "x", form))
        #expect(wrongURL.status == 403)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "sent")

        #expect(try await fixture.webhook(second, path, form).status == 200)
        let updatedAt = try await IntegrationFixture.scalar(
            fixture.database, "SELECT updated_at FROM delivery_attempts")
        for _ in 0..<10 { #expect(try await fixture.webhook(second, path, form).status == 200) }
        let late = [("MessageSid", form[0].1), ("MessageStatus", "sent")]
        #expect(try await fixture.webhook(first, path, late).status == 200)
        #expect(
            try await IntegrationFixture.scalar(fixture.database, "SELECT updated_at FROM delivery_attempts")
                == updatedAt)
        let fetched = try await first.get("/v2/Services/\(service)/Verifications/\(sid)")
        let attempts = try #require(fetched.json["send_code_attempts"] as? [[String: Any]])
        #expect(attempts.first?["delivery_status"] as? String == "delivered")
        try await fixture.finish(first, second)
    }

    @Test("STOP and START reach any instance, with and without OptOutType, and the secondary token signs too")
    func optOut() async throws {
        let fixture = try await TwilioFixture.make(["TWILIO_AUTH_TOKEN_SECONDARY": "rotated-token"])
        let first = try await fixture.serve()
        let second = try await fixture.serve()
        let service = try await first.createService()
        let start = [("To", "+14155550181"), ("Channel", "sms")]
        let inbound: [(String, String)] = [("From", "+14155550181"), ("To", "+15005550006")]
        func message() -> [(String, String)] { inbound + [("MessageSid", "SM" + VerifydEnvironment.hex(16))] }

        let stop = try await fixture.webhook(second, "/twilio/incoming/sms", message() + [("Body", "  stop ")])
        #expect(stop.status == 200)
        #expect(stop.text.contains("<Response/>"))
        #expect(try await first.post("/v2/Services/\(service)/Verifications", start).json["code"] as? Int == 21610)
        #expect(
            try await first.post(
                "/v2/Services/\(service)/Verifications", [("To", "+14155550181"), ("Channel", "call")]
            ).status == 201)

        _ = try await fixture.webhook(
            second, "/twilio/incoming/sms", message() + [("Body", "Start")], token: "rotated-token")
        #expect(try await first.post("/v2/Services/\(service)/Verifications", start).status == 201)

        _ = try await fixture.webhook(
            first, "/twilio/incoming/sms", message() + [("Body", "please stop texting"), ("OptOutType", "STOP")])
        #expect(try await second.post("/v2/Services/\(service)/Verifications", start).json["code"] as? Int == 21610)
        _ = try await fixture.webhook(
            second, "/twilio/incoming/sms", message() + [("Body", "go"), ("OptOutType", "START")])
        #expect(try await first.post("/v2/Services/\(service)/Verifications", start).status == 201)
        try await fixture.finish(first, second)
    }

    @Test("inbound calls are refused with <Reject> as the very first verb")
    func inboundCall() async throws {
        let fixture = try await TwilioFixture.make(["VERIFYD_REJECT_REASON": "busy"])
        let api = try await fixture.serve()
        let reply = try await fixture.webhook(
            api, "/twilio/incoming/voice",
            [("CallSid", "CA" + String(repeating: "b", count: 32)), ("From", "+14155550182")])
        #expect(reply.status == 200)
        #expect(reply.text.contains("<Response><Reject reason=\"busy\"/>"))
        try await fixture.finish(api)
    }

    static func signature(_ fixture: TwilioFixture, _ path: String, _ form: [(String, String)]) -> String {
        WebhookSignature.sign(token: fixture.fake.account.authToken, url: TwilioFixture.publicURL + path, form: form)
    }
}
