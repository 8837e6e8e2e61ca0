import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Twilio

/// The table of malformed inputs (issue 8's proof): non-E.164 numbers, Unicode digits, NUL, 10 MB bodies, wrong
/// content types, missing and repeated fields, SQL and header metacharacters and broken signatures, across the Verify
/// API, the original routes and the webhooks. Each gets a 4xx (the Verify API with Twilio's error body) and changes
/// no row of any table. One database per surface: each row is compared with a snapshot taken just before it.
@Suite("Malformed input")
struct MalformedInputTests {
    /// Counters of refused traffic, which a refusal is meant to change: failed Basic authentication per client
    /// address (the throttle) and the abuse rules' refusal records.
    static let refusalCounters: Set<String> = ["auth_failures", "abuse_refusals"]

    static let live = "+14155550149"
    static let form = "application/x-www-form-urlencoded"
    /// Past every body limit verifyd has.
    static let tenMegabytes = String(repeating: "a", count: 10 * 1024 * 1024)

    enum Surface: String, CaseIterable, Sendable {
        case verify, original, webhooks
    }

    /// How a webhook row is signed (the Verify API and the original routes send no signature).
    enum Signature: Sendable {
        case none
        /// Twilio's signature over the public URL of the row's path and its form.
        case valid
        /// A valid signature of another request: `path` and `form` as signed, not as sent.
        case over(path: String?, form: String?)
        /// Signed with a token verifyd does not hold.
        case token(String)
        case header(String)
    }

    /// One refused request. `{VA}`, `{VE}`, `{VL}` and `{RK}` in the path or body stand for a live service,
    /// verification, delivery attempt and rate limit; `code` is Twilio's error code where the answer is Twilio's body.
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var path: String
        var body: String?
        var contentType: String? = MalformedInputTests.form
        var authorization: String? = HTTPFixture.rootAuthorization
        var headers: [String: String] = [:]
        var signature = Signature.none
        var status: HTTPResponse.Status
        var code: Int?

        var testDescription: String { name }
    }

    /// `text` percent-encoded as a form value.
    static func encode(_ text: String) -> String { String(URLEncodedForm.encode([("", text)]).dropFirst()) }

    @Test("the table holds at least a hundred malformed inputs")
    func size() {
        #expect(Surface.allCases.map { Self.rows($0).count }.reduce(0, +) >= 100)
    }

    @Test("a malformed request is refused with a 4xx and changes no row", arguments: Surface.allCases)
    func refused(_ surface: Surface) async throws {
        // The counters a refusal must not touch are hourly: the sweeper deletes an ended hour's rows.
        try await waitForRoomInTheHour(.seconds(300))
        try await withAPI(delivery: .twilio) { fixture, api in
            let service = try await api.createService()
            let started = try await api.start(service, to: Self.live)
            let verification = try #require(started["sid"] as? String)
            let attempts = try #require(started["send_code_attempts"] as? [[String: Any]])
            let attempt = try #require(attempts.first?["attempt_sid"] as? String)
            // A live verification in the default service too, which the original routes' refusals must not touch.
            let original = try await api.post("/sms", ["number": Self.live])
            #expect(original.status == .accepted)
            let rateLimit = try #require(
                try await api.post("/v2/Services/\(service)/RateLimits", ["UniqueName": "end_user_ip"]).json()["sid"]
                    as? String)
            let live = ["{VA}": service, "{VE}": verification, "{VL}": attempt, "{RK}": rateLimit]
            let fill = { (text: String) in live.reduce(text) { $0.replacingOccurrences(of: $1.key, with: $1.value) } }
            for row in Self.rows(surface) {
                let sent = fixture.sender.messages.count
                let before = try await TableSnapshot.take(fixture.client)
                let response = try await Self.send(row, filling: fill, api: api)
                let context = Comment(rawValue: "\(row.name): \(response.status) \(response.text.prefix(200))")
                if let code = row.code { try response.expectTwilioError(row.status, code: code) }
                #expect(response.status == row.status, context)
                if surface == .original { #expect(response.body.readableBytes == 0, context) }
                #expect((400..<500).contains(response.status.code), context)
                let after = try await TableSnapshot.take(fixture.client)
                let changes = after.changes(since: before, ignoring: Self.refusalCounters)
                #expect(changes.isEmpty, "\(row.name): \(changes)")
                #expect(fixture.sender.messages.count == sent, context)
            }
        }
    }

    /// Sends `row` with its placeholders replaced by `fill`, signed as the row says.
    static func send(_ row: Row, filling fill: (String) -> String, api: APIClient) async throws -> TestResponse {
        let path = fill(row.path)
        let body = row.body.map(fill)
        var headers = HTTPFields()
        for (name, value) in row.headers { headers[HTTPField.Name(name)!] = value }
        let signed = { (path: String, form: String?, token: String) in
            WebhookSignatureValidator.signature(
                authToken: token, url: HTTPFixture.publicURL + path,
                formParameters: (try? URLEncodedForm.decode(form ?? "")) ?? [])
        }
        let token = HTTPFixture.twilioAuthToken
        switch row.signature {
        case .none: break
        case .valid: headers[.twilioSignature] = signed(path, body, token)
        case .over(let otherPath, let otherForm):
            headers[.twilioSignature] = signed(otherPath.map(fill) ?? path, otherForm ?? body, token)
        case .token(let other): headers[.twilioSignature] = signed(path, body, other)
        case .header(let value): headers[.twilioSignature] = value
        }
        return try await APIClient(client: api.client, authorization: row.authorization).request(
            row.method, path, body: body, contentType: row.contentType, headers: headers)
    }

    static func rows(_ surface: Surface) -> [Row] {
        switch surface {
        case .verify: verifyRows
        case .original: originalRows
        case .webhooks: webhookRows
        }
    }
}
