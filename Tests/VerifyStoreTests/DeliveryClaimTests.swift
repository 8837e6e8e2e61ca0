import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// The outbox's dispatcher side: claiming due attempts, expiring leases, sending what was claimed.
@Suite("Delivery outbox claims")
struct DeliveryClaimTests {
    /// Attempts are written `queued` and left to a dispatcher.
    static let queued = Verifier.Settings(sendImmediately: false)

    /// Starts one verification per phone and returns the SIDs of their queued attempts.
    static func queue(_ count: Int, fixture: StoreFixture) async throws -> [AttemptSid] {
        let service = try await fixture.service()
        var attempts: [AttemptSid] = []
        for index in 0..<count {
            let started = try await fixture.start(service, testPhone(100 + index))
            attempts += started.sendAttempts.map(\.sid)
        }
        return attempts
    }

    @Test("two concurrent dispatchers claim disjoint sets that together cover every due attempt")
    func disjointClaims() async throws {
        try await StoreFixture.runConcurrent(settings: Self.queued) { fixture in
            let attempts = try await Self.queue(40, fixture: fixture)
            #expect(fixture.sender.messages.isEmpty)
            let notDue = Array(attempts.suffix(5)).map(\.rawValue).joined(separator: ",")
            try await fixture.client.query(
                """
                UPDATE delivery_attempts SET next_attempt_at = now() + interval '1 hour'
                WHERE sid = ANY(string_to_array(\(notDue), ','))
                """)
            async let first = fixture.deliveries.claimDue(limit: 20, leaseSeconds: 60, owner: "dispatcher-a")
            async let second = fixture.deliveries.claimDue(limit: 20, leaseSeconds: 60, owner: "dispatcher-b")
            let (a, b) = try await (first, second)
            let claimedA = Set(a.map(\.attemptSid))
            let claimedB = Set(b.map(\.attemptSid))
            #expect(claimedA.isDisjoint(with: claimedB))
            #expect(claimedA.union(claimedB) == Set(attempts.prefix(35)))
            #expect(a.count <= 20 && b.count <= 20)
            #expect((a + b).allSatisfy { $0.tries == 0 && $0.pending?.verification.status == .pending })
            let owners = try await fixture.client.query(
                "SELECT lease_owner, count(*) FROM delivery_attempts WHERE status = 'sending' GROUP BY 1 ORDER BY 1")
            #expect(try owners.map { try $0.decode(1, as: Int.self) } == [a.count, b.count].filter { $0 > 0 })
            let stillQueued: Int = try await fixture.scalar(
                "SELECT count(*) FROM delivery_attempts WHERE status = 'queued'")
            #expect(stillQueued == 5)
        }
    }

    @Test("an expired lease turns a sending attempt into unknown, never back to queued")
    func expiredLease() async throws {
        try await StoreFixture.run(settings: Self.queued) { fixture in
            let attempts = try await Self.queue(2, fixture: fixture)
            let claimed = try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "dead")
            #expect(claimed.count == 2)
            try await fixture.client.query(
                """
                UPDATE delivery_attempts SET lease_expires_at = now() - interval '1 second'
                WHERE sid = \(attempts[0].rawValue)
                """)
            #expect(try await fixture.deliveries.expireLeases() == 1)
            let rows = try await fixture.client.query(
                "SELECT sid, status, lease_owner IS NULL, lease_expires_at IS NULL FROM delivery_attempts ORDER BY 2")
            #expect(try rows.map { try $0.decode(1, as: String.self) } == ["sending", "unknown"])
            #expect(try rows[1].decode(0, as: String.self) == attempts[0].rawValue)
            #expect(try rows[1].decode(2, as: Bool.self) && rows[1].decode(3, as: Bool.self))
            #expect(try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "next").isEmpty)
            #expect(try await fixture.deliveries.expireLeases() == 0)
            #expect(fixture.sender.messages.isEmpty)
        }
    }

    @Test("a claimed attempt of a pending verification is sent with its code, once")
    func deliverClaimed() async throws {
        try await StoreFixture.run(settings: Self.queued) { fixture in
            let service = try await fixture.service()
            let phone = testPhone(12)
            try await fixture.start(service, phone)
            for claimed in try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "one") {
                try await fixture.verifier.deliverClaimed(claimed, via: fixture.sender)
            }
            #expect(try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "two").isEmpty)
            let code = try #require(fixture.lastCode(to: phone))
            #expect(fixture.sender.messages.count == 1)
            let status: String = try await fixture.scalar("SELECT status FROM delivery_attempts")
            #expect(status == "sent")
            #expect(try await fixture.check(service, phone, code).status == .approved)
        }
    }

    @Test("a claimed attempt whose verification ended is canceled and nothing is sent")
    func claimedAfterEnd() async throws {
        try await StoreFixture.run(settings: Self.queued) { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, testPhone(13))
            _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            let claimed = try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "one")
            #expect(claimed.count == 1)
            #expect(claimed.first.map { $0.pending == nil } == true)
            for attempt in claimed { try await fixture.verifier.deliverClaimed(attempt, via: fixture.sender) }
            #expect(fixture.sender.messages.isEmpty)
            let status: String = try await fixture.scalar("SELECT status FROM delivery_attempts")
            #expect(status == "canceled")
        }
    }

    /// A deleted service answers 404 everywhere at once; a code already queued for it must not go out afterwards.
    @Test("a claimed attempt of a service deleted meanwhile is canceled and nothing is sent")
    func claimedAfterServiceDeleted() async throws {
        try await StoreFixture.run(settings: Self.queued) { fixture in
            let service = try await fixture.service()
            _ = try await fixture.start(service, testPhone(14))
            #expect(try await fixture.services.delete(service.sid))
            let claimed = try await fixture.deliveries.claimDue(limit: 10, leaseSeconds: 60, owner: "one")
            #expect(claimed.count == 1)
            #expect(claimed.first.map { $0.pending == nil } == true)
            for attempt in claimed { try await fixture.verifier.deliverClaimed(attempt, via: fixture.sender) }
            #expect(fixture.sender.messages.isEmpty)
            let status: String = try await fixture.scalar("SELECT status FROM delivery_attempts")
            #expect(status == "canceled")
        }
    }
}
