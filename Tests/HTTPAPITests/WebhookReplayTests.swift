import HTTPTypes
import HummingbirdTesting
import Postgres
import TestSupport
import Testing

/// A signed webhook carries no timestamp, so whoever captured one can send it again. Inbound STOP and START act
/// once per MessageSid, however often, and with whatever unsigned headers, they arrive.
@Suite("Webhook replays")
struct WebhookReplayTests {
    static let from = "+14155550190"
    static let path = "/twilio/incoming/sms"

    static func message(_ sid: Character, _ body: String) -> KeyValuePairs<String, String> {
        [
            "MessageSid": "SM" + String(repeating: sid, count: 32), "From": from, "To": "+15005550006",
            "Body": body,
        ]
    }

    /// The phone's row as text (opt-out and update times included), or nil without one.
    static func phoneRow(_ fixture: HTTPFixture) async throws -> String? {
        try await fixture.client.query("SELECT p::text FROM phones p").single()?.decode(0)
    }

    static func isOptedOut(_ fixture: HTTPFixture) async throws -> Bool {
        try await fixture.scalar("SELECT count(*) FROM phones WHERE opted_out_at IS NOT NULL", as: Int.self) == 1
    }

    @Test("the same signed STOP sent ten times is one transition")
    func replayedStop() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            #expect(try await api.webhook(Self.path, Self.message("a", "STOP")).status == .ok)
            let afterFirst = try await Self.phoneRow(fixture)
            #expect(try await Self.isOptedOut(fixture))
            for _ in 0..<9 { #expect(try await api.webhook(Self.path, Self.message("a", "STOP")).status == .ok) }
            #expect(try await Self.phoneRow(fixture) == afterFirst)
        }
    }

    @Test("a captured STOP replayed after START (with fresh idempotency tokens) does not opt the phone out again")
    func stopAfterStart() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            #expect(try await api.webhook(Self.path, Self.message("a", "STOP")).status == .ok)
            #expect(try await api.webhook(Self.path, Self.message("b", "START")).status == .ok)
            #expect(try await Self.isOptedOut(fixture) == false)
            let optedIn = try await Self.phoneRow(fixture)
            for attempt in 0..<10 {
                var headers = HTTPFields()
                headers[HTTPField.Name("I-Twilio-Idempotency-Token")!] = "replay-\(attempt)"
                let replay = try await api.webhook(Self.path, Self.message("a", "STOP"), headers: headers)
                #expect(replay.status == .ok)
            }
            #expect(try await Self.isOptedOut(fixture) == false)
            #expect(try await Self.phoneRow(fixture) == optedIn)
            // A new STOP still works.
            #expect(try await api.webhook(Self.path, Self.message("c", "STOP")).status == .ok)
            #expect(try await Self.isOptedOut(fixture))
        }
    }

    @Test("a STOP or START without a MessageSid is 400 and changes nothing")
    func withoutMessageSid() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let before = try await TableSnapshot.take(fixture.client)
            let response = try await api.webhook(Self.path, ["From": Self.from, "Body": "STOP"])
            #expect(response.status == .badRequest)
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }

    @Test("a missing signature is 403, like a wrong one, and changes nothing")
    func missingSignature() async throws {
        try await withAPI(delivery: .twilio) { fixture, api in
            let before = try await TableSnapshot.take(fixture.client)
            let missing = try await api.webhook(Self.path, Self.message("a", "STOP"), signature: .missing)
            #expect(missing.status == .forbidden)
            let wrong = try await api.webhook(Self.path, Self.message("a", "STOP"), signature: .header("AAAA"))
            #expect(wrong.status == .forbidden)
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
        }
    }
}
