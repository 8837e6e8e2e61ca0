import Foundation
import Postgres
import VerifyCore

/// Retention in PostgreSQL. Each batch is one transaction that first tries its kind's transaction-level advisory
/// lock, so of the instances that run the retention service at once one deletes and the others return 0; rows are
/// picked `FOR UPDATE SKIP LOCKED`, so a batch never waits behind a start or a check. Every pick reads an index in
/// the order it deletes (see migrations/0010_retention.sql).
public struct PostgresRetentionStore: RetentionStore {
    let client: PostgresClient

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
        }
    }

    public func deleteFailureCounts(lastFailureBefore cutoff: Date, limit: Int) async throws -> Int {
        try await inTurn(.failureCounts) { connection in
            try await connection.query(
                """
                DELETE FROM phone_check_failures f USING (
                    SELECT bucket, service_sid, phone FROM phone_check_failures
                    WHERE last_failure_at IS NULL OR last_failure_at < \(cutoff)
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ) old
                WHERE f.bucket = old.bucket AND f.service_sid = old.service_sid AND f.phone = old.phone
                """
            ).affectedRows
        }
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
        }
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
        }
    }

    private func inTurn(_ turn: Turn, _ batch: (PostgresConnection) async throws -> Int) async throws -> Int {
        try await client.withTransaction { connection in
            let mine = try await connection.query("SELECT pg_try_advisory_xact_lock(\(turn.key)) AS mine")[0]
            guard try mine.decode("mine", as: Bool.self) else { return 0 }
            return try await batch(connection)
        }
    }
}
