import Foundation
import Postgres
import Synchronization
import VerifyCore

/// Retention in PostgreSQL. Each batch is one transaction that first tries its kind's transaction-level advisory
/// lock, so of the instances that run the retention service at once one deletes and the others return 0; rows are
/// picked `FOR UPDATE SKIP LOCKED`, so a batch never waits behind a start or a check. Every pick reads an index in
/// the order it deletes (see migrations/0010_retention.sql), failure counts their key (0016).
public struct PostgresRetentionStore: RetentionStore {
    let client: PostgresClient
    /// Where this instance's sweep of failure counts goes on (`deleteFailureCounts`).
    private let failureSweep = FailureSweep()

    public init(client: PostgresClient) {
        self.client = client
    }

    /// Advisory lock keys, one per kind of batch: "verifyd" in ASCII (the migration runner's key) shifted left one
    /// byte, plus the kind.
    enum Turn: Int {
        case verifications = 1
        case failureCounts
        case phones
        case deletedServices

        var key: Int { 0x76_65_72_69_66_79_64_00 + rawValue }
    }

    public func now() async throws -> Date {
        try await client.query("SELECT now() AS now")[0].decode("now")
    }

    public func deleteVerifications(createdBefore cutoff: Date, limit: Int) async throws -> Int {
        // A pending verification is never that old (validity is at most a day) unless the expiry sweep is behind;
        // it is left for the sweep. Delivery attempts go with it (ON DELETE CASCADE, by their verification index).
        try await inTurn(.verifications) { connection in
            try await connection.query(
                """
                DELETE FROM verifications v USING (
                    SELECT bucket, sid FROM verifications
                    WHERE created_at < \(cutoff) AND status <> 'pending'
                    ORDER BY created_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) old
                WHERE v.bucket = old.bucket AND v.sid = old.sid
                """
            ).affectedRows
        } ?? 0
    }

    /// Failure counts are found by their key, a window of buckets per batch: an index on `last_failure_at` would
    /// keep every wrong code's update from staying heap-only (migration 0016). A call returns once it has deleted
    /// `limit`, or after it has read every window once from where the last call stopped, which ends the pass.
    public func deleteFailureCounts(lastFailureBefore cutoff: Date, limit: Int) async throws -> Int {
        var deleted = 0
        for _ in 0..<FailureSweep.windows {
            let first = failureSweep.next.load(ordering: .relaxed)
            let wanted = limit - deleted
            let batch = try await inTurn(.failureCounts) { connection in
                try await connection.query(
                    """
                    DELETE FROM phone_check_failures f USING (
                        SELECT bucket, service_sid, phone FROM phone_check_failures
                        WHERE bucket >= \(first) AND bucket < \(first + FailureSweep.span)
                            AND (last_failure_at IS NULL OR last_failure_at < \(cutoff))
                        LIMIT \(wanted) FOR UPDATE SKIP LOCKED
                    ) old
                    WHERE f.bucket = old.bucket AND f.service_sid = old.service_sid AND f.phone = old.phone
                    """
                ).affectedRows
            }
            // Another instance's turn: it sweeps with a cursor of its own.
            guard let batch else { break }
            deleted += batch
            if deleted == limit { break }
            failureSweep.next.store((first + FailureSweep.span) % FailureSweep.buckets, ordering: .relaxed)
        }
        return deleted
    }

    public func deleteIdlePhones(unchangedSince cutoff: Date, limit: Int) async throws -> Int {
        // Each history check reads one bucket's rows by its key prefix.
        try await inTurn(.phones) { connection in
            try await connection.query(
                """
                DELETE FROM phones p USING (
                    SELECT bucket, phone FROM phones q
                    WHERE updated_at < \(cutoff) AND blocked_at IS NULL AND opted_out_at IS NULL
                        AND NOT EXISTS (SELECT FROM verifications v WHERE v.bucket = q.bucket AND v.phone = q.phone)
                        AND NOT EXISTS (
                            SELECT FROM phone_check_failures f WHERE f.bucket = q.bucket AND f.phone = q.phone)
                        AND NOT EXISTS (
                            SELECT FROM inbound_message_receipts r WHERE r.bucket = q.bucket AND r.phone = q.phone)
                    ORDER BY updated_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) idle
                WHERE p.bucket = idle.bucket AND p.phone = idle.phone
                """
            ).affectedRows
        } ?? 0
    }

    public func purgeDeletedServices(limit: Int) async throws -> Int {
        try await inTurn(.deletedServices) { connection in
            let rows = try await connection.query(
                "SELECT sid FROM services WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT 1")
            guard let row = rows.single() else { return 0 }
            let service = try row.decode("sid", as: String.self)
            // Children first, a batch at a time by indexes that lead with the service (verifications_by_service in
            // key order, so the planner never prefers a sequential scan over rows already deleted); the service
            // row goes last, when its cascade finds only its few rate limits and buckets.
            let batches: [PostgresQuery] = [
                """
                DELETE FROM verifications v USING (
                    SELECT bucket, sid FROM verifications WHERE service_sid = \(service)
                    ORDER BY created_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) doomed
                WHERE v.bucket = doomed.bucket AND v.sid = doomed.sid
                """,
                """
                DELETE FROM phone_check_failures f USING (
                    SELECT bucket, phone FROM phone_check_failures WHERE service_sid = \(service)
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) doomed
                WHERE f.bucket = doomed.bucket AND f.service_sid = \(service) AND f.phone = doomed.phone
                """,
                """
                DELETE FROM rate_limit_bucket_hits h USING (
                    SELECT bucket_sid, value_digest, window_start FROM rate_limit_bucket_hits
                    WHERE service_sid = \(service) LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) doomed
                WHERE h.service_sid = \(service) AND h.bucket_sid = doomed.bucket_sid
                    AND h.value_digest = doomed.value_digest AND h.window_start = doomed.window_start
                """,
            ]
            for batch in batches {
                let deleted = try await connection.query(batch).affectedRows
                if deleted > 0 { return deleted }
            }
            return try await connection.query(
                "DELETE FROM services WHERE sid = \(service) AND deleted_at IS NOT NULL"
            ).affectedRows
        } ?? 0
    }

    /// The batch's count, or nil when another instance holds the turn.
    private func inTurn(_ turn: Turn, _ batch: (PostgresConnection) async throws -> Int) async throws -> Int? {
        try await client.withTransaction { connection in
            let mine = try await connection.query("SELECT pg_try_advisory_xact_lock(\(turn.key)) AS mine")[0]
            guard try mine.decode("mine", as: Bool.self) else { return nil }
            return try await batch(connection)
        }
    }
}

/// The next bucket of the sweep of failure counts. Per instance and from 0 at start: a window read twice or late
/// costs a batch, never a count, since a check treats a count past its 24 hours as gone (migration 0002).
private final class FailureSweep: Sendable {
    static let buckets = 65_536
    /// 64 windows of 1,024 buckets: a batch reads a 64th of the table by its key.
    static let span = 1_024
    static let windows = buckets / span

    let next = Atomic<Int>(0)
}
