import Foundation
import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import VerifyStore

/// Which index each filter of GET /v2/Attempts reads, on a table large enough (24,000 attempts over 30 days) that a
/// sequential scan would be the planner's choice without one. Plans, not timings: migration 0007 notes what they
/// came to on a million rows.
@Suite("Attempt query plans")
struct AttemptQueryPlanTests {
    /// 24 services: the first holds half the rows, the last 0.1%, each other one about 2%; numbers under +1 and five calling codes
    /// of a single region each; one attempt per verification, created over the last 30 days.
    static let seed: PostgresQuery = """
        WITH s AS (
            INSERT INTO services (sid, friendly_name)
            SELECT 'VA' || lpad(to_hex(i), 32, '0'), 'plan ' || i FROM generate_series(1, 24) i
        ), rows AS (
            SELECT i, hashint4(i) & 65535 AS bucket,
                (ARRAY['+1', '+33', '+49', '+55', '+81', '+91'])[1 + i % 6]
                    || lpad((abs(hashint4(i * 7)) % 1000000000)::text, 9, '0') AS phone,
                'VA' || lpad(to_hex(CASE WHEN i % 1000 = 0 THEN 24 WHEN i % 2 = 0 THEN 1 ELSE 2 + i % 22 END), 32, '0') AS service_sid,
                now() - (i % 2592000) * interval '108 seconds' AS created_at
            FROM generate_series(1, 24000) i
        ), v AS (
            INSERT INTO verifications (bucket, sid, service_sid, phone, channel, status, key_id, code_hash,
                max_check_attempts, max_send_attempts, expires_at, created_at, updated_at)
            SELECT bucket, 'VE' || lpad(to_hex(bucket), 4, '0') || lpad(to_hex(i), 28, '0'), service_sid, phone,
                'sms', CASE WHEN i % 3 = 0 THEN 'approved' ELSE 'expired' END, 'k', sha256(i::text::bytea), 5, 5,
                created_at + interval '10 minutes', created_at, created_at
            FROM rows
        )
        INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, destination_region,
            created_at, updated_at)
        SELECT bucket, 'VL' || lpad(to_hex(bucket), 4, '0') || lpad(to_hex(i), 28, '0'),
            'VE' || lpad(to_hex(bucket), 4, '0') || lpad(to_hex(i), 28, '0'), 'sms', 'delivered',
            (ARRAY[NULL, 'FR', 'DE', 'BR', 'JP', 'IN'])[1 + i % 6], created_at, created_at
        FROM rows
        """

    struct Case: Sendable {
        let name: String
        let filter: AttemptFilter
        let index: String
    }

    static let cases: [Case] = [
        Case(name: "no filter", filter: AttemptFilter(), index: "delivery_attempts_created"),
        Case(
            name: "a day's range",
            filter: AttemptFilter(
                createdFrom: Date().addingTimeInterval(-2 * 86400), createdBefore: Date().addingTimeInterval(-86400)),
            index: "delivery_attempts_created"),
        Case(
            name: "a country", filter: AttemptFilter(region: RegionCode("JP")),
            index: "delivery_attempts_by_region"),
        Case(
            name: "a service with few rows",
            filter: AttemptFilter(service: ServiceSid("VA" + String(repeating: "0", count: 30) + "18")),
            index: "verifications_by_service"),
        Case(
            name: "a verification",
            filter: AttemptFilter(verification: VerificationSid("VE04d2" + String(repeating: "0", count: 28))),
            index: "delivery_attempts_by_verification"),
        Case(
            name: "a number", filter: AttemptFilter(to: PhoneNumber(e164: "+33123456789")),
            index: "verifications_pkey"),
    ]

    /// One table for every filter: seeding it is the slow part (72,000 rows with their triggers and indexes), and
    /// six seeds at once on a busy two-core machine once took longer than a round trip may.
    @Test("each filter of a page reads its index, never a sequential scan")
    func pagesUseIndexes() async throws {
        try await StoreFixture.run { fixture in
            // The pool's 10 s round-trip deadline would end the seed before its statement timeout could; this
            // client waits as long as the server may run it.
            let seeding = fixture.database.makeClient(
                poolSize: 1, limits: TransactionLimits(statementTimeout: .seconds(300))
            ) { $0.roundTripTimeout = .seconds(310) }
            try await closing(seeding) { seeding in
                try await seeding.withTransaction { try await $0.query(Self.seed) }
                try await seeding.withTransaction {
                    try await $0.query("ANALYZE services, verifications, delivery_attempts")
                }
            }
            for testCase in Self.cases {
                let listing = PostgresAttemptStore.listing(testCase.filter, before: nil, offset: 0, limit: 51)
                let plan = try await fixture.client.query("EXPLAIN (COSTS OFF) \(fragment: listing)")
                    .map { try $0.decode(0, as: String.self) }.joined(separator: "\n")
                #expect(plan.contains(testCase.index), "\(testCase.name): \(plan)")
                #expect(!plan.contains("Seq Scan"), "\(testCase.name): \(plan)")
            }
        }
    }
}
