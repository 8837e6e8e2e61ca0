import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing
import Twilio
import VerifyCore

/// `Idempotency-Key` on start and check: a retry of the same request by the same credential gets the stored answer
/// instead of acting again; anything else under the key is refused.
@Suite("Idempotent retries")
struct IdempotencyTests {
    static let to = "+14155550180"

    static func key(_ value: String) -> HTTPFields { [.testIdempotencyKey: value] }

    @Test("a start retried with its key answers the stored 201 and sends nothing more")
    func startRetried() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let path = APIClient.verifications(service)
            let first = try await api.post(path, ["To": Self.to, "Channel": "sms"], headers: Self.key("start-1"))
            #expect(first.status == .created)
            let retry = try await api.post(path, ["To": Self.to, "Channel": "sms"], headers: Self.key("start-1"))
            #expect(retry.status == .created)
            // The answer as it committed (delivery statuses before the send), the same on every retry.
            #expect(try retry.json()["sid"] as? String == first.json()["sid"] as? String)
            let again = try await api.post(path, ["To": Self.to, "Channel": "sms"], headers: Self.key("start-1"))
            #expect(again.text == retry.text)
            #expect(fixture.sender.messages.count == 1)
            let sends: Int = try await fixture.scalar("SELECT send_count FROM verifications")
            #expect(sends == 1)
            // Without the key, or with another one, a start re-sends as Twilio does.
            #expect(try await api.post(path, ["To": Self.to, "Channel": "sms"]).status == .created)
            #expect(fixture.sender.messages.count == 2)
        }
    }

    @Test("a check whose answer was lost: the retry with its key answers approved again, only to that key")
    func checkRetried() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            _ = try await api.start(service, to: Self.to)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            let form: KeyValuePairs = ["To": Self.to, "Code": code]
            let first = try await api.post(APIClient.check(service), form, headers: Self.key("check-1"))
            #expect(try first.json()["status"] as? String == "approved")
            let retry = try await api.post(APIClient.check(service), form, headers: Self.key("check-1"))
            #expect(retry.status == .ok)
            #expect(retry.text == first.text)
            // Twilio's behaviour without the key, or under another key: the verification is gone.
            try await api.post(APIClient.check(service), form).expectTwilioError(.notFound, code: 20404)
            try await api.post(APIClient.check(service), form, headers: Self.key("check-2"))
                .expectTwilioError(.notFound, code: 20404)
            // Another credential cannot read the answer stored under the root's key.
            let created = try await AdminCommands(client: fixture.client, environment: [:]).createKey(name: "second")
            let line = try #require(created.lines.first)
            let apiKey = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let keySid = try #require(apiKey["sid"] as? String)
            let secret = try #require(apiKey["secret"] as? String)
            let asKey = APIClient(client: api.client, authorization: HTTPFixture.basic(keySid, secret))
            try await asKey.post(APIClient.check(service), form, headers: Self.key("check-1"))
                .expectTwilioError(.notFound, code: 20404)
            let approvals: Int = try await fixture.scalar(
                "SELECT count(*)::integer FROM verifications WHERE status = 'approved'")
            #expect(approvals == 1)
        }
    }

    @Test(
        "a key reused with other parameters answers 422 and changes nothing",
        arguments: [
            [("To", "+14155550181"), ("Channel", "sms")], [("To", to), ("Channel", "call")],
            [("To", to), ("Channel", "sms"), ("Locale", "fr")],
        ])
    func reusedKey(other: [(String, String)]) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let path = APIClient.verifications(service)
            #expect(
                try await api.post(path, ["To": Self.to, "Channel": "sms"], headers: Self.key("k")).status == .created)
            let before = try await TableSnapshot.take(fixture.client)
            let reused = try await api.request(
                .post, path, body: URLEncodedForm.encode(other), contentType: "application/x-www-form-urlencoded",
                headers: Self.key("k"))
            try reused.expectTwilioError(.unprocessableContent, code: 60200)
            #expect(try await TableSnapshot.take(fixture.client) == before)
            #expect(fixture.sender.messages.count == 1)
        }
    }

    @Test("a key used for a start cannot answer a check")
    func keyAcrossRoutes() async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let start = try await api.post(
                APIClient.verifications(service), ["To": Self.to, "Channel": "sms"], headers: Self.key("both"))
            #expect(start.status == .created)
            let code = try #require(fixture.sender.messages.first?.code.revealed)
            try await api.post(APIClient.check(service), ["To": Self.to, "Code": code], headers: Self.key("both"))
                .expectTwilioError(.unprocessableContent, code: 60200)
        }
    }

    @Test(
        "a malformed key answers 400 before anything happens",
        arguments: ["", String(repeating: "a", count: 256), "has space", "tab\there", "ünicode", "semi;colon"])
    func malformedKey(key: String) async throws {
        try await withAPI { fixture, api in
            let service = try await api.createService()
            let response = try await api.post(
                APIClient.verifications(service), ["To": Self.to, "Channel": "sms"], headers: Self.key(key))
            try response.expectTwilioError(.badRequest, code: 60200, message: "Invalid parameter: Idempotency-Key")
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("20 concurrent starts under one key act once")
    func concurrentStarts() async throws {
        try await withAPI(environment: HTTPFixture.concurrent) { fixture, api in
            let service = try await api.createService()
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await api.post(
                            APIClient.verifications(service), ["To": Self.to, "Channel": "sms"],
                            headers: Self.key("same"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = responses.filter { $0.status == .created }
            #expect(created.count == 20, "\(responses.map(\.status.code))")
            #expect(Set(try created.map { try $0.json()["sid"] as? String }).count == 1)
            #expect(fixture.sender.messages.count == 1)
            let sends: Int = try await fixture.scalar("SELECT sum(send_count)::integer FROM verifications")
            #expect(sends == 1)
        }
    }
}

extension HTTPField.Name {
    static let testIdempotencyKey = HTTPField.Name("Idempotency-Key")!
}
