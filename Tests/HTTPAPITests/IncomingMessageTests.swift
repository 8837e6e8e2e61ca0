import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `POST /twilio/incoming/sms`: STOP and START from the phone, trusted from `OptOutType` or read from the body.
@Suite("Incoming messages")
struct IncomingMessageTests {
    static let from = "+14155550180"

    static func message(_ api: APIClient, body: String, optOutType: String? = nil) async throws -> TestResponse {
        let response: TestResponse
        if let optOutType {
            response = try await api.webhook(
                "/twilio/incoming/sms",
                [
                    "MessageSid": newMessageSid(), "From": from, "To": "+15005550006", "Body": body,
                    "OptOutType": optOutType,
                ])
        } else {
            response = try await api.webhook(
                "/twilio/incoming/sms",
                ["MessageSid": newMessageSid(), "From": from, "To": "+15005550006", "Body": body])
        }
        #expect(response.status == .ok)
        #expect(response.text.hasSuffix("<Response/>"))
        return response
    }

    static func smsStart(_ api: APIClient, service: String) async throws -> TestResponse {
        try await api.post(APIClient.verifications(service), ["To": from, "Channel": "sms"])
    }

    @Test(
        "a STOP keyword opts the sender out (SMS start 400 / 21610, calls still work) and START opts it back in",
        arguments: [("STOP", "START"), (" stop\n", "start"), ("Unsubscribe", "UNSTOP"), ("QUIT", "yes")])
    func keywords(stop: String, start: String) async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let service = try await api.createService()
            _ = try await Self.message(api, body: stop)
            try await Self.smsStart(api, service: service).expectTwilioError(
                .badRequest, code: 21610, message: "Attempt to send to unsubscribed recipient")
            #expect(fixture.sender.messages.isEmpty)
            let call = try await api.post(APIClient.verifications(service), ["To": Self.from, "Channel": "call"])
            #expect(call.status == .created)
            _ = try await Self.message(api, body: start)
            #expect(try await Self.smsStart(api, service: service).status == .created)
        }
    }

    @Test("Twilio's OptOutType is trusted over the body")
    func optOutType() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let service = try await api.createService()
            _ = try await Self.message(api, body: "please no more", optOutType: "STOP")
            try await Self.smsStart(api, service: service).expectTwilioError(.badRequest, code: 21610)
            _ = try await Self.message(api, body: "STOP", optOutType: "START")
            #expect(try await Self.smsStart(api, service: service).status == .created)
        }
    }

    @Test("any other text changes nothing", arguments: ["hello", "STOP NOW", "", "stopp"])
    func otherText(body: String) async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let service = try await api.createService()
            _ = try await Self.message(api, body: body)
            #expect(try await Self.smsStart(api, service: service).status == .created)
        }
    }

    @Test("an unsigned or wrongly signed STOP is refused and changes nothing")
    func unsigned() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let service = try await api.createService()
            let form: KeyValuePairs<String, String> = [
                "MessageSid": newMessageSid(), "From": Self.from, "Body": "STOP",
            ]
            #expect(try await api.webhook("/twilio/incoming/sms", form, signature: .missing).status == .forbidden)
            let forged = try await api.webhook("/twilio/incoming/sms", form, signature: .signed(token: "guess"))
            #expect(forged.status == .forbidden)
            #expect(try await Self.smsStart(api, service: service).status == .created)
        }
    }

    @Test("a STOP signed with the secondary Twilio token is accepted")
    func secondaryToken() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let service = try await api.createService()
            let response = try await api.webhook(
                "/twilio/incoming/sms", ["MessageSid": newMessageSid(), "From": Self.from, "Body": "STOP"],
                signature: .signed(token: HTTPFixture.twilioSecondaryAuthToken))
            #expect(response.status == .ok)
            try await Self.smsStart(api, service: service).expectTwilioError(.badRequest, code: 21610)
        }
    }
}
