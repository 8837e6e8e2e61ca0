import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import Twilio

/// Requests as Twilio's helper libraries and Twilio's webhooks send them, through Hummingbird's test client.
struct APIClient {
    let client: any TestClientProtocol
    /// `Authorization` sent with every request; nil sends none.
    var authorization: String? = HTTPFixture.rootAuthorization

    func request(
        _ method: HTTPRequest.Method, _ path: String, body: String? = nil, contentType: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let authorization, headers[.authorization] == nil { headers[.authorization] = authorization }
        if let contentType { headers[.contentType] = contentType }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// A form-encoded POST, as Twilio's clients send it.
    func post(_ path: String, _ form: KeyValuePairs<String, String> = [:], headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        try await request(
            .post, path, body: URLEncodedForm.encode(form.map { ($0.key, $0.value) }),
            contentType: "application/x-www-form-urlencoded", headers: headers)
    }

    /// A POST with a JSON body.
    func post(_ path: String, json: String) async throws -> TestResponse {
        try await request(.post, path, body: json, contentType: "application/json")
    }

    func get(_ path: String) async throws -> TestResponse {
        try await request(.get, path)
    }

    func delete(_ path: String) async throws -> TestResponse {
        try await request(.delete, path)
    }

    /// How a webhook request is signed.
    enum Signature {
        /// Signed as Twilio signs it, with this auth token.
        case signed(token: String)
        /// This header value, whatever it is.
        case header(String)
        /// No `X-Twilio-Signature` at all.
        case missing
    }

    /// A webhook as Twilio posts it: form-encoded and signed over the public URL of `path` and its parameters.
    func webhook(
        _ path: String, _ form: KeyValuePairs<String, String> = [:],
        signature: Signature = .signed(token: HTTPFixture.twilioAuthToken), headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        let pairs = form.map { (name: $0.key, value: $0.value) }
        var headers = extra
        switch signature {
        case .signed(let token):
            headers[.twilioSignature] = WebhookSignatureValidator.signature(
                authToken: token, url: HTTPFixture.publicURL + path, formParameters: pairs)
        case .header(let value):
            headers[.twilioSignature] = value
        case .missing:
            break
        }
        return try await APIClient(client: client, authorization: nil).request(
            .post, path, body: URLEncodedForm.encode(pairs), contentType: "application/x-www-form-urlencoded",
            headers: headers)
    }

    // MARK: Verify API shortcuts

    static func services() -> String { "/v2/Services" }
    static func verifications(_ service: String) -> String { "/v2/Services/\(service)/Verifications" }
    static func check(_ service: String) -> String { "/v2/Services/\(service)/VerificationCheck" }

    /// Creates a service and returns its SID.
    func createService(_ form: KeyValuePairs<String, String> = ["FriendlyName": "Api Test"]) async throws -> String {
        let response = try await post(Self.services(), form)
        #expect(response.status == .created)
        return try #require(response.json()["sid"] as? String)
    }

    /// Starts a verification and returns its JSON.
    func start(_ service: String, to: String, channel: String = "sms") async throws -> [String: Any] {
        let response = try await post(Self.verifications(service), ["To": to, "Channel": channel])
        #expect(response.status == .created, "start answered \(response.status): \(response.text)")
        return try response.json()
    }

    func check(_ service: String, to: String, code: String) async throws -> TestResponse {
        try await post(Self.check(service), ["To": to, "Code": code])
    }
}

extension HTTPField.Name {
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
}

extension TestResponse {
    var text: String { body.getString(at: body.readerIndex, length: body.readableBytes) ?? "" }

    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    /// Checks Twilio's error shape: exactly `code`, `message`, `more_info`, `status`, and `Retry-After` on a 429.
    func expectTwilioError(
        _ status: HTTPResponse.Status, code: Int, message: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(self.status == status, "\(text)", sourceLocation: sourceLocation)
        let json = try self.json()
        #expect(Set(json.keys) == ["code", "message", "more_info", "status"], sourceLocation: sourceLocation)
        #expect(json["code"] as? Int == code, "\(text)", sourceLocation: sourceLocation)
        #expect(json["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect(
            json["more_info"] as? String == "https://www.twilio.com/docs/errors/\(code)", sourceLocation: sourceLocation
        )
        if let message { #expect(json["message"] as? String == message, sourceLocation: sourceLocation) }
        if status == .tooManyRequests {
            let retryAfter = headers[.retryAfter].flatMap { Int($0) }
            #expect(retryAfter.map { $0 >= 1 } == true, "Retry-After missing on a 429", sourceLocation: sourceLocation)
        }
    }
}

/// Runs `body` against a fresh app (see `HTTPFixture`) through Hummingbird's router test client.
func withAPI(
    delivery: HTTPFixture.Delivery = .console, environment: [String: String] = [:],
    _ body: @escaping @Sendable (HTTPFixture, APIClient) async throws -> Void
) async throws {
    try await HTTPFixture.run(delivery: delivery, environment: environment) { fixture, app in
        try await app.application.test(.router) { client in
            try await body(fixture, APIClient(client: client))
        }
    }
}

/// A fresh Twilio message SID (`SM` and 32 hex digits), as inbound messages carry.
func newMessageSid() -> String {
    "SM" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
}
