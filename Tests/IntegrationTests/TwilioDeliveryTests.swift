import FakeTwilio
import Foundation
import TestSupport
import Testing

/// Delivery through real libcurl to a fake Twilio on loopback.
@Suite("Delivery through Twilio")
struct TwilioDeliveryTests {
    @Test("an SMS request carries exactly Twilio's fields, in the verification's language, with a capped validity")
    func smsRequest() async throws {
        let fixture = try await TwilioFixture.make()
        let api = try await fixture.serve()
        let service = try await api.createService([("CodeValiditySeconds", "86400")])
        let reply = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550150"), ("Channel", "sms"), ("Locale", "es")])
        #expect(reply.status == 201)
        let request = try #require(try await fixture.fake.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.path == "/2010-04-01/Accounts/\(fixture.fake.account.accountSID)/Messages.json")
        #expect(request.basicAuth?.username == fixture.fake.account.accountSID)
        #expect(request.formNames.sorted() == ["Body", "From", "StatusCallback", "To", "ValidityPeriod"])
        #expect(request.formValue("To") == "+14155550150")
        #expect(request.formValue("From") == "+15005550006")
        #expect(request.formValue("ValidityPeriod") == "36000")
        let attempts = try #require(reply.json["send_code_attempts"] as? [[String: Any]])
        let attemptSid = try #require(attempts.first?["attempt_sid"] as? String)
        #expect(request.formValue("StatusCallback") == "\(TwilioFixture.publicURL)/twilio/status/\(attemptSid)")
        let body = try #require(request.formValue("Body"))
        #expect(body.hasPrefix("Tu código de verificación de Acme es: "))
        let code = try #require(TwilioFixture.code(inBody: body))
        let check = try await api.post(
            "/v2/Services/\(service)/VerificationCheck", [("To", "+14155550150"), ("Code", code)])
        #expect(check.json["status"] as? String == "approved")
        #expect(!api.process.log.contains(code), "a code reached the log")
        try await fixture.finish(api)
    }

    @Test("a call request carries To, From, Url, StatusCallback and Timeout, and the TwiML reads the same code")
    func callRequest() async throws {
        let fixture = try await TwilioFixture.make()
        let first = try await fixture.serve()
        let second = try await fixture.serve()
        let service = try await first.createService()
        _ = try await first.post("/v2/Services/\(service)/Verifications", [("To", "+14155550151"), ("Channel", "sms")])
        let reply = try await first.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550151"), ("Channel", "call"), ("Locale", "fr")])
        #expect(reply.status == 201)
        let requests = try await fixture.fake.waitForRequests(count: 2)
        let sms = try #require(requests.first { $0.path.hasSuffix("Messages.json") })
        let call = try #require(requests.first { $0.path.hasSuffix("Calls.json") })
        #expect(call.formValue("To") == "+14155550151")
        #expect(call.formValue("From") == "+15005550006")
        let sid = try #require(reply.json["sid"] as? String)
        #expect(call.formValue("Url") == "\(TwilioFixture.publicURL)/twilio/voice/\(sid)")
        #expect(call.formValue("StatusCallback")?.hasPrefix("\(TwilioFixture.publicURL)/twilio/status/VL") == true)
        #expect(call.formValue("Timeout") == "30")
        let code = try #require(TwilioFixture.code(inBody: sms.formValue("Body") ?? ""))
        // Twilio fetches the TwiML from whichever instance the balancer picks, for the call it placed.
        let callSid = try #require(
            try await IntegrationFixture.scalar(
                fixture.database, "SELECT provider_sid FROM delivery_attempts WHERE channel = 'call'"))
        #expect(callSid.hasPrefix("CA"))
        let twiml = try await fixture.webhook(second, "/twilio/voice/\(sid)", [("CallSid", callSid)])
        #expect(twiml.status == 200)
        #expect(twiml.header("Content-Type")?.hasPrefix("text/xml") == true)
        let digits = twiml.text.components(separatedBy: "<Say language=\"fr-FR\">").dropFirst()
            .compactMap { $0.first(where: \.isNumber).map(String.init) }
        #expect(digits.joined() == String(repeating: code, count: 3))
        try await fixture.finish(first, second)
    }

    @Test("503 twice, then 201: one message, three requests")
    func retriesUnsentRequests() async throws {
        let fixture = try await TwilioFixture.make()
        fixture.fake.enqueue(
            .respond(status: 503, twilioCode: 20503, message: "Service unavailable"),
            .respond(status: 503, twilioCode: 20503, message: "Service unavailable"), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        let reply = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550152"), ("Channel", "sms")])
        #expect(reply.status == 201)
        #expect(reply.json["status"] as? String == "pending")
        _ = try await fixture.fake.waitForRequests(count: 3, timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(500))
        #expect(fixture.fake.requests.count == 3)
        #expect(
            try await IntegrationFixture.scalar(
                fixture.database, "SELECT status || '/' || tries FROM delivery_attempts") == "sent/3")
        try await fixture.finish(api)
    }

    @Test("a timeout after the request was sent leaves the attempt unknown and sends nothing again")
    func timeoutIsUnknown() async throws {
        let fixture = try await TwilioFixture.make()
        fixture.fake.enqueue(.hang(for: .seconds(5)), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        let reply = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550153"), ("Channel", "sms")])
        #expect(reply.status == 201)
        let attempts = try #require(reply.json["send_code_attempts"] as? [[String: Any]])
        #expect(attempts.first?["delivery_status"] as? String == "unknown")
        try await Task.sleep(for: .seconds(1))
        #expect(fixture.fake.requests.count == 1)
        #expect(
            try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM delivery_attempts") == "unknown")
        try await fixture.finish(api)
    }

    @Test("Twilio's 21211 is the caller's 400 60200, is not retried, and fails the verification")
    func permanentError() async throws {
        let fixture = try await TwilioFixture.make()
        fixture.fake.enqueue(
            .respond(status: 400, twilioCode: 21211, message: "Invalid 'To' Phone Number"), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        let form = [("To", "+14155550154"), ("Channel", "sms")]
        let refused = try await api.post("/v2/Services/\(service)/Verifications", form)
        #expect(refused.status == 400)
        #expect(refused.json["code"] as? Int == 60200)
        #expect(refused.json["message"] as? String == "Invalid parameter: To")
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.fake.requests.count == 1)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT status FROM verifications") == "failed")
        // The slot is free: the next start creates a new verification.
        let again = try await api.post("/v2/Services/\(service)/Verifications", form)
        #expect(again.status == 201)
        try await fixture.finish(api)
    }

    @Test("an unsubscribed recipient (21610) answers 400 21610 and marks the phone opted out")
    func unsubscribed() async throws {
        let fixture = try await TwilioFixture.make()
        fixture.fake.enqueue(.respond(status: 400, twilioCode: 21610, message: "unsubscribed"), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        let form = [("To", "+14155550155"), ("Channel", "sms")]
        let refused = try await api.post("/v2/Services/\(service)/Verifications", form)
        #expect(refused.json["code"] as? Int == 21610)
        let again = try await api.post("/v2/Services/\(service)/Verifications", form)
        #expect(again.json["code"] as? Int == 21610)
        #expect(fixture.fake.requests.count == 1, "nothing is sent to an opted-out phone")
        try await fixture.finish(api)
    }

    @Test("the circuit breaker opens after consecutive failures, refuses with 503, and closes after a good probe")
    func circuitBreaker() async throws {
        let fixture = try await TwilioFixture.make([
            // A cooldown that a busy machine cannot spend before the refused start arrives (1 s once was).
            "VERIFYD_BREAKER_THRESHOLD": "2", "VERIFYD_BREAKER_COOLDOWN_MS": "5000",
        ])
        fixture.fake.enqueue(.respond(status: 500), .respond(status: 500), for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        for number in ["+14155550160", "+14155550161"] {
            let reply = try await api.post(
                "/v2/Services/\(service)/Verifications", [("To", number), ("Channel", "sms")])
            #expect(reply.status == 201, "an ambiguous 500 is an unknown attempt, not the caller's error")
        }
        let refused = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550162"), ("Channel", "sms")])
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") != nil)
        #expect(try await IntegrationFixture.scalar(fixture.database, "SELECT count(*) FROM verifications") == "2")
        #expect(fixture.fake.requests.count == 2)
        #expect(try await api.get("/metrics").text.contains("verifyd_twilio_circuit_state 2.0"), "open")
        try await Task.sleep(for: .milliseconds(5100))
        let probe = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550162"), ("Channel", "sms")])
        #expect(probe.status == 201)
        let after = try await api.post(
            "/v2/Services/\(service)/Verifications", [("To", "+14155550163"), ("Channel", "sms")])
        #expect(after.status == 201)
        #expect(fixture.fake.requests.count == 4)
        let metrics = try await api.get("/metrics").text
        #expect(metrics.contains("verifyd_twilio_circuit_state 0.0"), "closed again")
        #expect(metrics.contains("verifyd_twilio_transfers_in_flight 0.0"))
        #expect(metrics.contains(#"verifyd_deliveries_total{status="unknown",error_code="none"} 2"#), "\(metrics)")
        try await fixture.finish(api)
    }

    @Test("Twilio's 429 is back-pressure: the attempt is retried later and the circuit breaker stays closed")
    func tooManyRequestsKeepsTheBreakerClosed() async throws {
        let fixture = try await TwilioFixture.make([
            "VERIFYD_BREAKER_THRESHOLD": "2", "VERIFYD_BREAKER_COOLDOWN_MS": "60000",
            // A loaded machine must not turn a slow answer into an unknown attempt here.
            "VERIFYD_TWILIO_TIMEOUT_MS": "10000",
        ])
        let tooMany = FakeTwilioBehavior.respond(
            status: 429, twilioCode: 20429, message: "Too Many Requests", retryAfter: "1")
        fixture.fake.enqueue(tooMany, tooMany, tooMany, for: .messages)
        let api = try await fixture.serve()
        let service = try await api.createService()
        for number in ["+14155550164", "+14155550165", "+14155550166"] {
            let reply = try await api.post(
                "/v2/Services/\(service)/Verifications", [("To", number), ("Channel", "sms")])
            #expect(reply.status == 201, "a 429 must not open the breaker")
        }
        // Each 429 was honoured with a later retry (which may itself meet a 429 meant for a later start), until
        // Twilio accepted every message: three 429s, three successes.
        let sent = "sent/3 attempts/6 tries"
        let attempts = try await IntegrationFixture.scalar(
            fixture.database,
            "SELECT string_agg(DISTINCT status, ',') || '/' || count(*) || ' attempts/' || sum(tries) || ' tries' "
                + "FROM delivery_attempts", becomes: sent, within: .seconds(30))
        #expect(attempts == sent)
        #expect(fixture.fake.requests.count == 6)
        try await fixture.finish(api)
    }
}
