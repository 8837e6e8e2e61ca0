import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing
import VerifyCore

/// The same refusal on both surfaces: `POST /v2/Services/{VA}/Verifications` answers Twilio's body, `POST /sms` the
/// same status with an empty body, and both carry the same `Retry-After`.
@Suite("One error mapping on both surfaces")
struct ErrorSurfaceTests {
    /// One way of starting a verification for a phone: through the Verify API or through `/sms`.
    struct Surface: Sendable {
        let fixture: HTTPFixture
        let phone: PhoneNumber
        let send: @Sendable () async throws -> TestResponse
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var status: HTTPResponse.Status
        var code: Int
        var retryAfter: String?
        var prepare: @Sendable (Surface) async throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an unsubscribed phone", status: .badRequest, code: 21610) { surface in
            try await surface.fixture.client.query(
                """
                INSERT INTO phones (bucket, phone, opted_out_at) VALUES (\(surface.phone.bucket), \(surface.phone.e164), now())
                """)
        },
        Case(name: "a blocked phone", status: .forbidden, code: 60410) { surface in
            try await surface.fixture.client.query(
                """
                INSERT INTO phones (bucket, phone, blocked_at, blocked_reason)
                VALUES (\(surface.phone.bucket), \(surface.phone.e164), now(), 'test')
                """)
        },
        Case(name: "the sixth send", status: .tooManyRequests, code: 60203, retryAfter: nil) { surface in
            for _ in 0..<5 { _ = try await surface.send() }
        },
        Case(name: "a channel delivery cannot use", status: .badRequest, code: 60223) { surface in
            surface.fixture.sender.setUnsupported([.sms])
        },
        Case(name: "delivery down", status: .serviceUnavailable, code: 20503, retryAfter: "7") { surface in
            surface.fixture.sender.setUnavailable(retryAfter: 7)
        },
        Case(name: "a landline", status: .forbidden, code: 60205) { surface in
            surface.fixture.sender.script(.rejected(errorCode: 21614))
        },
        Case(name: "a destination outside the geo permissions", status: .forbidden, code: 60605) { surface in
            surface.fixture.sender.script(.rejected(errorCode: 21408))
        },
    ]

    @Test("a refusal has one status on both surfaces", arguments: cases)
    func bothSurfaces(_ refusal: Case) async throws {
        for surface in ["verify", "original"] {
            try await withAPI { fixture, api in
                let phone = PhoneNumber(e164: "+14155550150")!
                let service = try await api.createService()
                let send: @Sendable () async throws -> TestResponse
                if surface == "verify" {
                    send = {
                        try await api.post(APIClient.verifications(service), ["To": phone.e164, "Channel": "sms"])
                    }
                } else {
                    send = { try await api.post("/sms", ["number": phone.e164]) }
                }
                try await refusal.prepare(Surface(fixture: fixture, phone: phone, send: send))
                let response = try await send()
                if surface == "verify" {
                    try response.expectTwilioError(refusal.status, code: refusal.code)
                } else {
                    #expect(response.status == refusal.status, "/sms: \(response.text)")
                    #expect(response.body.readableBytes == 0)
                }
                if let retryAfter = refusal.retryAfter {
                    #expect(response.headers[.retryAfter] == retryAfter, "\(surface)")
                }
            }
        }
    }

    @Test("without credentials /sms is 401 with WWW-Authenticate and an empty body")
    func unauthenticated() async throws {
        try await withAPI { _, api in
            let anonymous = APIClient(client: api.client, authorization: nil)
            let response = try await anonymous.post("/sms", ["number": "+14155550151"])
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            #expect(response.body.readableBytes == 0)
        }
    }
}
