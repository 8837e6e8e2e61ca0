import Postgres
import VerifyCore

extension PostgresVerificationStore {
    /// Writes the prefix rule's approvals this instance counted since the last flush (`ApprovalTally`), in one
    /// statement, into the current hour's rows of shard 0: a flush is one short statement every quarter second per
    /// instance, so two instances' flushes seldom meet on a row, and then wait only for each other's statement (both
    /// lock their rows in prefix order). Called by the instance's `ApprovalFlusher`, one flush at a time. When the
    /// statement fails, the approvals are counted again for the next flush, so nothing is lost while the database is
    /// away; when it may have committed (the connection went silent after sending it), they are dropped instead, as
    /// counting them twice would err on the unsafe side.
    public func flushApprovals() async throws {
        let counted = approvals.take()
        guard !counted.isEmpty else { return }
        do {
            try await client.query(
                """
                INSERT INTO abuse_counters AS a (rule, subject, window_start, shard, window_end, hits)
                SELECT 'prefix_approved', t.prefix, w.start, 0, w.start + interval '1 hour', t.approvals
                FROM unnest(\(PostgresArray(counted.map(\.prefix))),
                    \(PostgresArray(counted.map { String($0.approvals) }))::integer[]) AS t(prefix, approvals),
                    (SELECT \(fragment: AbuseCounting.window) AS start) w
                ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = a.hits + excluded.hits
                """)
        } catch {
            if (error as? PostgresError)?.possiblyCommitted != true {
                for entry in counted { approvals.record(entry.prefix, approvals: entry.approvals) }
            }
            throw error
        }
    }
}
