import Postgres
import VerifyCore

/// Reads and tends issue 9's counters (migration 0009).
public struct PostgresAbuseStore: AbuseStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func prefixBlocks() async throws -> [PrefixBlock] {
        try await client.query(
            """
            SELECT prefix, blocked_at, blocked_until, starts, approved FROM prefix_blocks
            WHERE blocked_until > now() ORDER BY blocked_at, prefix
            """
        ).map { row in
            PrefixBlock(
                prefix: try row.decode("prefix"), blockedAt: try row.decode("blocked_at"),
                blockedUntil: try row.decode("blocked_until"), starts: try row.decode("starts"),
                approved: try row.decode("approved"))
        }
    }

    public func liftBlock(prefix: String) async throws -> Bool {
        try await client.query("DELETE FROM prefix_blocks WHERE prefix = \(prefix) AND blocked_until > now()")
            .affectedRows > 0
    }

    /// One statement over this hour's spend rows: the global row set and each country's.
    public func spend(settings: AbuseSettings) async throws -> [SpendReading] {
        let rows = try await client.query(
            """
            WITH w AS (SELECT \(fragment: AbuseCounting.window) AS start)
            SELECT c.rule, c.subject, sum(c.hits)::bigint AS spent,
                ceil(extract(epoch FROM w.start + interval '1 hour' - now()))::integer AS retry_after
            FROM abuse_counters c, w
            WHERE c.rule IN ('spend', 'country_spend') AND c.window_start = w.start
            GROUP BY c.rule, c.subject, w.start
            """)
        var global = SpendReading(
            subject: "global", spent: 0, ceiling: settings.spendCeilingPerHour,
            secondsUntilWindowEnds: 0)
        var countries: [SpendReading] = []
        for row in rows {
            let reading = SpendReading(
                subject: try row.decode("subject"), spent: try row.decode("spent"),
                ceiling: settings.countrySpendCeilingPerHour, secondsUntilWindowEnds: try row.decode("retry_after"))
            if try row.decode("rule", as: String.self) == AbuseRule.spend.rawValue {
                global.spent = reading.spent
                global.secondsUntilWindowEnds = reading.secondsUntilWindowEnds
            } else {
                countries.append(reading)
            }
        }
        return [global] + countries.sorted { $0.subject < $1.subject }
    }

    public func deleteEnded(limit: Int) async throws -> Int {
        let results = try await client.pipeline([
            """
            DELETE FROM abuse_counters WHERE ctid = ANY (ARRAY (
                SELECT ctid FROM abuse_counters WHERE window_end < now() LIMIT \(limit) FOR UPDATE SKIP LOCKED))
            """,
            """
            DELETE FROM abuse_refusals WHERE ctid = ANY (ARRAY (
                SELECT ctid FROM abuse_refusals WHERE last_at < now() - interval '1 day'
                LIMIT \(limit) FOR UPDATE SKIP LOCKED))
            """,
            "DELETE FROM prefix_blocks WHERE blocked_until < now() - interval '1 day'",
        ])
        return results[0].affectedRows + results[1].affectedRows
    }
}
