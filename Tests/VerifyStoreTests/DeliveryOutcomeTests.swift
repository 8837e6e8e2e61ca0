import Foundation
import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// What happens to an attempt after it went out: recorded outcomes and provider status callbacks.
@Suite("Delivery outcomes and callbacks")
struct DeliveryOutcomeTests {
    let phone = testPhone(14)

    /// Starts a verification (sent by the fast path) and returns its attempt.
    func sentAttempt(_ fixture: StoreFixture) async throws -> AttemptSid {
        let service = try await fixture.service()
        let started = try await fixture.start(service, phone)
        return try #require(started.sendAttempts.first).sid
    }

    func row(_ fixture: StoreFixture) async throws -> (status: String, updated: Date, provider: String?, error: Int?) {
        let rows = try await fixture.client.query(
            "SELECT status, updated_at, provider_sid, error_code FROM delivery_attempts")
        return (try rows[0].decode(0), try rows[0].decode(1), try rows[0].decode(2), try rows[0].decode(3))
    }

    @Test(
        "a callback moves an attempt only forward and never out of a final state",
        arguments: [
            ("sent", DeliveryStatus.delivered, true), ("sent", .undelivered, true), ("sent", .failed, true),
            ("unknown", .sent, true), ("unknown", .delivered, true), ("queued", .sent, true),
            ("delivered", .sent, false), ("delivered", .undelivered, false), ("sent", .sent, false),
            ("undelivered", .delivered, false), ("failed", .delivered, false), ("canceled", .sent, false),
        ])
    func callbackOrder(from: String, to: DeliveryStatus, moves: Bool) async throws {
        try await StoreFixture.run { fixture in
            let attempt = try await sentAttempt(fixture)
            try await fixture.client.query("UPDATE delivery_attempts SET status = \(from)")
            let changed = try await fixture.deliveries.applyCallback(
                attempt, status: to, providerSid: "SM0123", errorCode: nil)
            #expect(changed == moves)
            #expect(try await row(fixture).status == (moves ? to.rawValue : from))
        }
    }

    @Test("replaying the same callback ten times changes the row once")
    func replay() async throws {
        try await StoreFixture.run { fixture in
            let attempt = try await sentAttempt(fixture)
            var changes: [Bool] = []
            var stamps: [Date] = []
            for _ in 0..<10 {
                changes.append(
                    try await fixture.deliveries.applyCallback(
                        attempt, status: .undelivered, providerSid: "SM0123", errorCode: 30003))
                stamps.append(try await row(fixture).updated)
            }
            #expect(changes == [true] + Array(repeating: false, count: 9))
            #expect(Set(stamps).count == 1)
            let final = try await row(fixture)
            #expect(final.status == "undelivered")
            #expect(final.provider == "SM0123")
            #expect(final.error == 30003)
        }
    }

    @Test("a callback for an unknown attempt SID changes nothing")
    func unknownAttempt() async throws {
        try await StoreFixture.run { fixture in
            _ = try await sentAttempt(fixture)
            let changed = try await fixture.deliveries.applyCallback(
                .random(), status: .delivered, providerSid: nil, errorCode: nil)
            #expect(!changed)
            #expect(try await row(fixture).status == "sent")
        }
    }

    /// A queued attempt claimed by a dispatcher: the only state `record` moves.
    func claimedAttempt(_ fixture: StoreFixture) async throws -> AttemptSid {
        let service = try await fixture.service()
        _ = try await fixture.start(service, phone, using: fixture.verifier(settings: .init(sendImmediately: false)))
        return try #require(try await fixture.deliveries.claimDue(limit: 1, leaseSeconds: 60, owner: "me").first)
            .attemptSid
    }

    @Test("a retryable outcome with a delay requeues the attempt for later and counts the try")
    func retryLater() async throws {
        try await StoreFixture.run { fixture in
            let attempt = try await claimedAttempt(fixture)
            try await fixture.deliveries.record(
                .retryable(errorCode: 20429, retryAfter: nil), for: attempt, retryIn: 30, failVerification: false)
            let rows = try await fixture.client.query(
                """
                SELECT status, tries, error_code, extract(epoch FROM next_attempt_at - now())::float8,
                    lease_expires_at IS NULL
                FROM delivery_attempts
                """)
            #expect(try rows[0].decode(0, as: String.self) == "queued")
            #expect(try rows[0].decode(1, as: Int.self) == 1)
            #expect(try rows[0].decode(2, as: Int.self) == 20429)
            #expect((25...30).contains(try rows[0].decode(3, as: Double.self)))
            #expect(try rows[0].decode(4, as: Bool.self))
            #expect(try await fixture.deliveries.claimDue(limit: 1, leaseSeconds: 60, owner: "me").isEmpty)
        }
    }

    @Test("a retryable outcome without a delay has used its tries and fails")
    func retriesUsedUp() async throws {
        try await StoreFixture.run { fixture in
            let attempt = try await claimedAttempt(fixture)
            try await fixture.deliveries.record(
                .retryable(errorCode: 20503, retryAfter: nil), for: attempt, retryIn: nil, failVerification: false)
            let final = try await row(fixture)
            #expect(final.status == "failed")
            #expect(final.error == 20503)
            let tries: Int = try await fixture.scalar("SELECT tries FROM delivery_attempts")
            #expect(tries == 1)
        }
    }

    @Test("a permanent rejection of a first send fails the verification, and the next start creates a new one")
    func rejectedFirstSend() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            fixture.sender.script(.rejected(errorCode: 21211))
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .invalidParameter("To"))
            let failed = try await fixture.client.query(
                """
                SELECT v.sid, v.status, v.code_ciphertext IS NULL, a.status, a.error_code
                FROM verifications v JOIN delivery_attempts a ON a.verification_sid = v.sid
                """)
            #expect(try failed[0].decode(1, as: String.self) == "failed")
            #expect(try failed[0].decode(2, as: Bool.self))
            #expect(try failed[0].decode(3, as: String.self) == "failed")
            #expect(try failed[0].decode(4, as: Int.self) == 21211)
            let next = try await fixture.start(service, phone)
            #expect(next.sid.rawValue != (try failed[0].decode(0, as: String.self)))
            #expect(next.status == .pending)
        }
    }

    @Test("a permanent rejection of a re-send leaves the verification pending")
    func rejectedResend() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let first = try await fixture.start(service, phone)
            fixture.sender.script(.rejected(errorCode: 21614))
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .landline)
            let fetched = try await fixture.verifier.fetch(service: service.sid, sid: first.sid)
            #expect(fetched.status == .pending)
            #expect(fetched.sendAttempts.map(\.status) == [.sent, .failed])
            #expect(fetched.sendAttempts.last?.errorCode == 21614)
        }
    }

    @Test("a rejection as unsubscribed (21610) opts the phone out of SMS")
    func rejectedUnsubscribed() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            fixture.sender.script(.rejected(errorCode: 21610))
            let error = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(error?.reason == .phoneUnsubscribed)
            let next = await #expect(throws: VerifyError.self) { try await fixture.start(service, phone) }
            #expect(next?.reason == .phoneUnsubscribed)
            #expect(fixture.sender.messages.count == 1)
        }
    }
}
