import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import Twilio

/// `X-Twilio-Signature` over the public URL (path and query) as the routes check it.
@Suite("Webhook signatures")
struct WebhookSignatureTests {
    static let from = "+14155550196"
    static let messageSid = newMessageSid()

    static func isOptedOut(_ fixture: HTTPFixture) async throws -> Bool {
        try await fixture.scalar("SELECT count(*) FROM phones WHERE opted_out_at IS NOT NULL", as: Int.self) == 1
    }

    @Test("the query string is part of the signed URL")
    func query() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let path = "/twilio/incoming/sms?source=balancer&x=1"
            let form: KeyValuePairs<String, String> = [
                "MessageSid": Self.messageSid, "From": Self.from, "Body": "STOP",
            ]
            let withoutQuery = WebhookSignatureValidator.signature(
                authToken: HTTPFixture.twilioAuthToken, url: HTTPFixture.publicURL + "/twilio/incoming/sms",
                formParameters: [("MessageSid", Self.messageSid), ("From", Self.from), ("Body", "STOP")])
            let unsigned = try await api.webhook(path, form, signature: .header(withoutQuery))
            #expect(unsigned.status == .forbidden)
            #expect(try await Self.isOptedOut(fixture) == false)
            #expect(try await api.webhook(path, form).status == .ok)
            #expect(try await Self.isOptedOut(fixture))
        }
    }

    @Test("a signature over the URL with the default port is accepted")
    func defaultPort() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let signature = WebhookSignatureValidator.signature(
                authToken: HTTPFixture.twilioAuthToken,
                url: HTTPFixture.publicURL + ":443/twilio/incoming/sms",
                formParameters: [("MessageSid", Self.messageSid), ("From", Self.from), ("Body", "STOP")])
            let response = try await api.webhook(
                "/twilio/incoming/sms", ["MessageSid": Self.messageSid, "From": Self.from, "Body": "STOP"],
                signature: .header(signature))
            #expect(response.status == .ok)
            #expect(try await Self.isOptedOut(fixture))
        }
    }

    @Test("a signature for another host (the Host header a balancer forwards) is refused")
    func otherHost() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let signature = WebhookSignatureValidator.signature(
                authToken: HTTPFixture.twilioAuthToken, url: "http://localhost/twilio/incoming/sms",
                formParameters: [("MessageSid", Self.messageSid), ("From", Self.from), ("Body", "STOP")])
            let response = try await api.webhook(
                "/twilio/incoming/sms", ["MessageSid": Self.messageSid, "From": Self.from, "Body": "STOP"],
                signature: .header(signature))
            #expect(response.status == .forbidden)
            #expect(try await Self.isOptedOut(fixture) == false)
        }
    }

    @Test("a JSON body is checked through bodySHA256 in the signed URL")
    func jsonBody() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let body = #"{"MessageSid": "\#(Self.messageSid)", "From": "\#(Self.from)", "Body": "STOP"}"#
            let digest = SHA256.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
            let path = "/twilio/incoming/sms?bodySHA256=\(digest)"
            var headers = HTTPFields()
            headers[.twilioSignature] = WebhookSignatureValidator.signature(
                authToken: HTTPFixture.twilioAuthToken, url: HTTPFixture.publicURL + path)
            let anonymous = APIClient(client: api.client, authorization: nil)
            let tampered = try await anonymous.request(
                .post, path, body: body.replacingOccurrences(of: "STOP", with: "STOPALL"),
                contentType: "application/json", headers: headers)
            #expect(tampered.status == .forbidden)
            #expect(try await Self.isOptedOut(fixture) == false)
            let signed = try await anonymous.request(
                .post, path, body: body, contentType: "application/json", headers: headers)
            #expect(signed.status == .ok)
            #expect(try await Self.isOptedOut(fixture))
        }
    }
}
