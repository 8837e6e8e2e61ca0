import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import TestSupport
import Testing
import Twilio
import VerifyCore

/// Requests that must be refused with a clear 4xx and change nothing: the Verify API with Twilio's error body, the
/// original routes with their status alone.
@Suite("Request hygiene")
struct RequestHygieneTests {
    static let to = "+14155550140"
    static let form = "application/x-www-form-urlencoded"

    /// One refused request. `{VA}` in the path stands for a service that exists; `code` nil means the route
    /// answers with its status alone (the original routes, the webhooks).
    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var path: String
        var body: String?
        var contentType: String? = RequestHygieneTests.form
        var headers: [String: String] = [:]
        var status: HTTPResponse.Status
        var code: Int?
        var message: String?

        var testDescription: String { name }
    }

    static let start = "/v2/Services/{VA}/Verifications"
    static let valid = "To=%2B14155550140&Channel=sms"

    static let refusals: [Refusal] = [
        // 500s from bad input on main.
        Refusal(
            name: "Tags holding \\u0000", path: start, body: valid + "&Tags=" + encode(#"{"k": "a\u0000b"}"#),
            status: .badRequest, code: 60200, message: "Invalid parameter: Tags"),
        Refusal(
            name: "a FriendlyName padded past 30 characters with spaces", path: "/v2/Services",
            body: "FriendlyName=Acme" + String(repeating: "+", count: 30), status: .badRequest, code: 60200,
            message: "Invalid parameter: FriendlyName"),
        // Accepted on main.
        Refusal(
            name: "a DeviceIp that is no IP address", path: start,
            body: valid + "&DeviceIp=" + encode("not an ip; drop table"), status: .badRequest, code: 60200,
            message: "Invalid parameter: DeviceIp"),
        Refusal(
            name: "an AppHash with control characters", path: start, body: valid + "&AppHash=abc%01defghij",
            status: .badRequest, code: 60200, message: "Invalid parameter: AppHash"),
        Refusal(
            name: "an AppHash that is not 11 characters", path: start, body: valid + "&AppHash=He42w354ol",
            status: .badRequest, code: 60200, message: "Invalid parameter: AppHash"),
        Refusal(
            name: "To given twice", path: start, body: valid + "&To=%2B14155550141", status: .badRequest,
            code: 60200, message: "Invalid parameter: To"),
        Refusal(
            name: "Channel given twice", path: start, body: valid + "&Channel=call", status: .badRequest,
            code: 60200, message: "Invalid parameter: Channel"),
        Refusal(
            name: "To given twice in JSON", path: start,
            body: #"{"To": "+14155550140", "Channel": "sms", "To": "+14155550141"}"#, contentType: "application/json",
            status: .badRequest, code: 60200, message: "Invalid parameter: To"),
        Refusal(
            name: "a text/plain body on the Verify API", path: start, body: valid, contentType: "text/plain",
            status: .unsupportedMediaType, code: 60200),
        Refusal(
            name: "a text/plain body on /sms", path: "/sms", body: "number=%2B14155550140",
            contentType: "text/plain", status: .unsupportedMediaType),
        Refusal(
            name: "a body without Content-Type", path: start, body: valid, contentType: nil,
            status: .unsupportedMediaType, code: 60200),
        Refusal(
            name: "parameters in the query of a POST", path: start + "?" + valid, body: nil, contentType: nil,
            status: .badRequest, code: 60200, message: "Invalid parameter: To"),
        Refusal(
            name: "a number in the query of POST /sms", path: "/sms?number=%2B14155550140", body: nil,
            contentType: nil, status: .badRequest),
        Refusal(
            name: "a cross-site Origin on /sms", path: "/sms", body: "number=%2B14155550140",
            headers: ["Origin": "https://attacker.example"], status: .forbidden),
        Refusal(
            name: "Origin null on /sms", path: "/sms", body: "number=%2B14155550140", headers: ["Origin": "null"],
            status: .forbidden),
        Refusal(
            name: "Sec-Fetch-Site cross-site on /who", path: "/who", body: "number=%2B14155550140",
            headers: ["Sec-Fetch-Site": "cross-site"], status: .forbidden),
        Refusal(
            name: "Sec-Fetch-Site same-site on /auth", method: .get, path: "/auth/%2B14155550140/123456",
            body: nil, contentType: nil, headers: ["Sec-Fetch-Site": "same-site"], status: .forbidden),
        Refusal(
            name: "a cross-site Origin on the Verify API", path: start, body: valid,
            headers: ["Origin": "https://attacker.example"], status: .forbidden, code: 20403),
        Refusal(
            name: "a NUL in a parameter verifyd ignores", path: start, body: valid + "&SendDigits=1%002",
            status: .badRequest, code: 60200, message: "Invalid parameter: SendDigits"),
        Refusal(
            name: "a Locale in another script", path: start, body: valid + "&Locale=" + encode("äö"),
            status: .badRequest, code: 60200, message: "Invalid parameter: Locale"),
        Refusal(
            name: "a CustomFriendlyName with a leading space", path: start,
            body: valid + "&CustomFriendlyName=+Acme", status: .badRequest, code: 60200,
            message: "Invalid parameter: CustomFriendlyName"),
        Refusal(
            name: "a TtsName with a line break", path: "/v2/Services", body: "FriendlyName=Acme&TtsName=Polly%0AAmy",
            status: .badRequest, code: 60200, message: "Invalid parameter: TtsName"),
        Refusal(
            name: "Tags with a control character in a key", path: start,
            body: valid + "&Tags=" + encode(#"{"k\u0007": "v"}"#), status: .badRequest, code: 60200,
            message: "Invalid parameter: Tags"),
        Refusal(
            name: "Tags with a key given twice", path: start, body: valid + "&Tags=" + encode(#"{"k": "a", "k": "b"}"#),
            status: .badRequest, code: 60200, message: "Invalid parameter: Tags"),
        Refusal(
            name: "PageSize given twice", method: .get, path: "/v2/Services?PageSize=1&PageSize=2", body: nil,
            contentType: nil, status: .badRequest, code: 60200, message: "Invalid parameter: PageSize"),
    ]

    @Test("a bad request is refused and changes nothing", arguments: refusals)
    func refused(_ refusal: Refusal) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            // Something live that a refused request could wrongly touch.
            _ = try await api.start(service, to: "+14155550149")
            let sent = fixture.sender.messages.count
            let before = try await TableSnapshot.take(fixture.client)

            var headers = HTTPFields()
            for (name, value) in refusal.headers { headers[HTTPField.Name(name)!] = value }
            let response = try await api.request(
                refusal.method, refusal.path.replacingOccurrences(of: "{VA}", with: service), body: refusal.body,
                contentType: refusal.contentType, headers: headers)
            if let code = refusal.code {
                try response.expectTwilioError(refusal.status, code: code, message: refusal.message)
            } else {
                #expect(response.status == refusal.status, "\(response.text)")
                #expect(response.body.readableBytes == 0)
            }

            let after = try await TableSnapshot.take(fixture.client)
            #expect(after.changes(since: before).isEmpty, "\(after.changes(since: before))")
            #expect(fixture.sender.messages.count == sent)
        }
    }

    struct Passing: Sendable, CustomTestStringConvertible {
        var name: String
        var headers: [String: String]
        var testDescription: String { name }
    }

    @Test(
        "requests from backends (no Origin) and from verifyd's own origin pass",
        arguments: [
            Passing(name: "no Origin, no Sec-Fetch-Site", headers: [:]),
            Passing(name: "Sec-Fetch-Site none", headers: ["Sec-Fetch-Site": "none"]),
            Passing(name: "Sec-Fetch-Site same-origin", headers: ["Sec-Fetch-Site": "same-origin"]),
            Passing(name: "Origin of VERIFYD_PUBLIC_URL", headers: ["Origin": HTTPFixture.publicURL]),
            Passing(name: "the same Origin with its default port", headers: ["Origin": HTTPFixture.publicURL + ":443"]),
        ])
    func sameSite(_ passing: Passing) async throws {
        try await withAPI { fixture, api in
            var headers = HTTPFields()
            for (name, value) in passing.headers { headers[HTTPField.Name(name)!] = value }
            #expect(try await api.post("/sms", ["number": Self.to], headers: headers).status == .accepted)
            let service = try await api.createService()
            let started = try await api.post(
                APIClient.verifications(service), ["To": "+14155550141", "Channel": "sms"], headers: headers)
            #expect(started.status == .created)
            #expect(fixture.sender.messages.count == 2)
        }
    }

    @Test("a POST with no body passes, with or without a Content-Type")
    func emptyBody() async throws {
        try await withAPI { fixture, api in
            #expect(try await api.post("/sms", ["number": Self.to]).status == .accepted)
            let code = try #require(fixture.sender.codes(to: .init(e164: Self.to)!).first)
            let wrong = try await api.request(.post, "/auth/\(Self.to)/00000000", contentType: "text/plain")
            #expect(wrong.status == .forbidden)
            #expect(try await api.request(.post, "/auth/\(Self.to)/\(code)").status == .ok)
            let service = try await api.createService()
            let empty = try await api.request(.post, APIClient.verifications(service), contentType: "text/plain")
            try empty.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: To")
        }
    }

    @Test("a form with a charset parameter is a form")
    func charset() async throws {
        try await withAPI { _, api in
            let service = try await api.createService()
            let started = try await api.request(
                .post, APIClient.verifications(service), body: Self.valid,
                contentType: "application/x-www-form-urlencoded; charset=UTF-8")
            #expect(started.status == .created)
        }
    }

    @Test(
        "DeviceIp is stored in its canonical form",
        arguments: [
            ("192.0.2.1", "192.0.2.1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("::FFFF:192.0.2.7", "::ffff:192.0.2.7"),
        ])
    func deviceIP(given: String, stored: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let started = try await api.post(
                APIClient.verifications(service), ["To": Self.to, "Channel": "sms", "DeviceIp": given])
            #expect(started.status == .created)
            let value: String = try await fixture.scalar("SELECT device_ip FROM verifications")
            #expect(value == stored)
        }
    }

    @Test("a valid AppHash and Tags are accepted; Tags are stored as the object they name")
    func appHashAndTags() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let started = try await api.post(
                APIClient.verifications(service),
                ["To": Self.to, "Channel": "sms", "AppHash": "He42w354ol9", "Tags": #"{"b": "2", "a": "1"}"#])
            #expect(started.status == .created)
            #expect(fixture.sender.messages.first?.appHash == "He42w354ol9")
            let tags: String = try await fixture.scalar("SELECT tags::text FROM verifications")
            #expect(tags == #"{"a": "1", "b": "2"}"#)
        }
    }

    /// `text` encoded as a form value.
    static func encode(_ text: String) -> String {
        String(URLEncodedForm.encode([(name: "", value: text)]).dropFirst())
    }
}
