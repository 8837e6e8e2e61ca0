import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import Twilio

/// `POST /twilio/status/{VL…}`: signed delivery status callbacks.
@Suite("Status callbacks")
struct StatusCallbackTests {
    static let to = "+14155550160"

    /// Starts a verification and returns its service, its SID and the path of its attempt's status callback.
    static func started(_ api: APIClient) async throws -> (service: String, sid: String, path: String) {
        let service = try await api.createService()
        let json = try await api.start(service, to: to)
        let attempts = try #require(json["send_code_attempts"] as? [[String: Any]])
        let attempt = try #require(attempts.first?["attempt_sid"] as? String)
        return (service, try #require(json["sid"] as? String), "/twilio/status/\(attempt)")
    }

    static func deliveryStatus(_ api: APIClient, service: String, sid: String) async throws -> String? {
        let json = try await api.get(APIClient.verifications(service) + "/" + sid).json()
        return (json["send_code_attempts"] as? [[String: Any]])?.first?["delivery_status"] as? String
    }

    static func attemptRow(_ fixture: HTTPFixture) async throws -> (status: String, updated: Date) {
        let rows = try await fixture.client.query("SELECT status, updated_at FROM delivery_attempts")
        return (try rows[0].decode(0), try rows[0].decode(1))
    }

    static let delivered: KeyValuePairs<String, String> = [
        "MessageSid": "SM0123456789abcdef0123456789abcdef", "MessageStatus": "delivered",
        "AccountSid": "ACffffffffffffffffffffffffffffffff",
    ]

    @Test("a callback without a signature or with a wrong one is 403 and changes nothing")
    func unsigned() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let (_, _, path) = try await Self.started(api)
            let before = try await Self.attemptRow(fixture)
            #expect(try await api.webhook(path, Self.delivered, signature: .missing).status == .forbidden)
            #expect(
                try await api.webhook(path, Self.delivered, signature: .header("bm90IGEgc2lnbmF0dXJl")).status
                    == .forbidden)
            let otherToken = try await api.webhook(path, Self.delivered, signature: .signed(token: "some-other-token"))
            #expect(otherToken.status == .forbidden)
            // Signed for other parameters than those sent: a tampered body.
            let signedForSent = WebhookSignatureValidator.signature(
                authToken: HTTPFixture.twilioAuthToken, url: HTTPFixture.publicURL + path,
                formParameters: [("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("MessageStatus", "sent")])
            #expect(try await api.webhook(path, Self.delivered, signature: .header(signedForSent)).status == .forbidden)
            let after = try await Self.attemptRow(fixture)
            #expect(after.status == "sent")
            #expect(after.updated == before.updated)
        }
    }

    @Test("a signed delivered callback updates the attempt, and ten replays change it once")
    func delivered() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let (service, sid, path) = try await Self.started(api)
            #expect(try await Self.deliveryStatus(api, service: service, sid: sid) == "sent")
            let first = try await api.webhook(path, Self.delivered)
            #expect(first.status == .ok)
            #expect(first.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(try await Self.deliveryStatus(api, service: service, sid: sid) == "delivered")
            let afterFirst = try await Self.attemptRow(fixture)
            for _ in 0..<10 { #expect(try await api.webhook(path, Self.delivered).status == .ok) }
            #expect(try await Self.attemptRow(fixture).updated == afterFirst.updated)
            let provider: String = try await fixture.scalar("SELECT provider_sid FROM delivery_attempts")
            #expect(provider == "SM0123456789abcdef0123456789abcdef")
        }
    }

    @Test("a late sent callback does not move a delivered attempt back")
    func noRegression() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let (service, sid, path) = try await Self.started(api)
            #expect(try await api.webhook(path, Self.delivered).status == .ok)
            let late = try await api.webhook(path, ["MessageStatus": "sent", "MessageSid": "SM0123"])
            #expect(late.status == .ok)
            #expect(try await Self.deliveryStatus(api, service: service, sid: sid) == "delivered")
        }
    }

    @Test("an undelivered callback records its error code")
    func undelivered() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let (service, sid, path) = try await Self.started(api)
            let response = try await api.webhook(path, ["MessageStatus": "undelivered", "ErrorCode": "30003"])
            #expect(response.status == .ok)
            let json = try await api.get(APIClient.verifications(service) + "/" + sid).json()
            let attempt = try #require((json["send_code_attempts"] as? [[String: Any]])?.first)
            #expect(attempt["delivery_status"] as? String == "undelivered")
            #expect(attempt["error_code"] as? Int == 30003)
        }
    }

    @Test(
        "message and call statuses map onto the attempt's delivery status",
        arguments: [
            ("MessageStatus", "delivered", "delivered"), ("MessageStatus", "read", "delivered"),
            ("MessageStatus", "failed", "failed"), ("MessageStatus", "queued", "sent"),
            ("CallStatus", "completed", "delivered"), ("CallStatus", "busy", "undelivered"),
            ("CallStatus", "no-answer", "undelivered"), ("CallStatus", "ringing", "sent"),
            ("MessageStatus", "nonsense", "sent"),
        ])
    func statusMapping(name: String, value: String, expected: String) async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let (service, sid, path) = try await Self.started(api)
            let form: KeyValuePairs<String, String> =
                name == "CallStatus" ? ["CallStatus": value] : ["MessageStatus": value]
            #expect(try await api.webhook(path, form).status == .ok)
            #expect(try await Self.deliveryStatus(api, service: service, sid: sid) == expected)
        }
    }

    @Test("a callback signed with the secondary Twilio token is accepted")
    func secondaryToken() async throws {
        try await withAPI(delivery: .twilio) { _, api in
            let (service, sid, path) = try await Self.started(api)
            let response = try await api.webhook(
                path, Self.delivered, signature: .signed(token: HTTPFixture.twilioSecondaryAuthToken))
            #expect(response.status == .ok)
            #expect(try await Self.deliveryStatus(api, service: service, sid: sid) == "delivered")
        }
    }

    @Test("with console delivery there are no Twilio webhooks")
    func consoleHasNoWebhooks() async throws {
        try await withAPI(delivery: .console) { _, api in
            let response = try await api.webhook("/twilio/incoming/voice", ["From": "+14155550161"])
            #expect(response.status == .notFound)
        }
    }
}
