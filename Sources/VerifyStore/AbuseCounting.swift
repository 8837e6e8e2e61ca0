import Foundation
import Postgres
import VerifyCore

/// The statements of issue 9's counters (migration 0009). A start sends them in its first round trip, before its
/// state read, inside its transaction: a refused start rolls back and has counted nothing, and an allowed one commits
/// its counts with the verification. Counters are hourly fixed windows by the database clock.
enum AbuseCounting {
    /// The start of the current hour: epoch seconds, so every session agrees whatever its time zone.
    static let window: PostgresQuery = "to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600)"

    /// The statements for `meters` and `prefix`, in the order `tally` reads them.
    static func statements(meters: [AbuseMeter], prefix: String?, phone: PhoneNumber) -> [PostgresQuery] {
        var statements: [PostgresQuery] = []
        if !meters.isEmpty { statements.append(ensure(meters)) }
        statements += meters.map(take)
        if let prefix { statements.append(countPrefix(prefix, phone: phone)) }
        return statements
    }

    static func tally(_ rows: ArraySlice<PostgresRows>, meters: [AbuseMeter], prefix: String?) throws -> AbuseTally {
        var results = rows.dropFirst(meters.isEmpty ? 0 : 1)
        var tallied: [AbuseTally.Meter] = []
        for meter in meters {
            let row = results.removeFirst()[0]
            tallied.append(
                AbuseTally.Meter(
                    meter: meter, took: try row.decode("took"), total: try row.decode("total"),
                    secondsUntilWindowEnds: try row.decode("retry_after")))
        }
        let prefixTally = try prefix.map { prefix in
            let row = results.removeFirst()[0]
            return AbuseTally.Prefix(
                prefix: prefix, blockedFor: try row.decode("blocked_for"), starts: try row.decode("starts"),
                approved: try row.decode("approved"))
        }
        return AbuseTally(meters: tallied, prefix: prefixTally)
    }

    /// The hour's shard rows of every meter, made by the first start of the hour (later ones find shard 0 and
    /// insert nothing).
    static func ensure(_ meters: [AbuseMeter]) -> PostgresQuery {
        """
        INSERT INTO abuse_counters (rule, subject, window_start, shard, window_end, hits)
        SELECT m.rule, m.subject, w.start, s.shard, w.start + interval '1 hour', 0
        FROM unnest(\(PostgresArray(meters.map(\.rule.rawValue))), \(PostgresArray(meters.map(\.subject))),
                \(PostgresArray(meters.map { String($0.shards) }))::integer[]) AS m(rule, subject, shards)
            CROSS JOIN (SELECT \(fragment: window) AS start) w
            CROSS JOIN LATERAL generate_series(0, m.shards - 1) AS s(shard)
        WHERE NOT EXISTS (
            SELECT FROM abuse_counters c
            WHERE c.rule = m.rule AND c.subject = m.subject AND c.window_start = w.start AND c.shard = 0)
        ORDER BY m.rule, m.subject, s.shard
        ON CONFLICT DO NOTHING
        """
    }

    /// Takes `units` from a shard with room: first one nobody holds (no wait), else the first with room in shard
    /// order (waiting for its holder). Each shard may hold its share of the limit, so the shards together never pass
    /// it. Locks are taken in one order, meters in `AbusePolicy.meters` order and shards ascending, and always
    /// before the phone's rows, so two starts cannot wait on each other. `total` is the hour's count before this
    /// start, for the refusal's figures.
    static func take(_ meter: AbuseMeter) -> PostgresQuery {
        let room: PostgresQuery = """
            c.rule = \(meter.rule.rawValue) AND c.subject = \(meter.subject) AND c.window_start = w.start
                AND c.hits + \(meter.units) <= \(meter.limit / meter.shards)
                    + CASE WHEN c.shard < \(meter.limit % meter.shards) THEN 1 ELSE 0 END
            """
        return """
            WITH w AS (SELECT \(fragment: window) AS start), pick AS (
                SELECT coalesce(
                    (SELECT c.shard FROM abuse_counters c, w WHERE \(fragment: room)
                     LIMIT 1 FOR UPDATE OF c SKIP LOCKED),
                    (SELECT c.shard FROM abuse_counters c, w WHERE \(fragment: room)
                     ORDER BY c.shard LIMIT 1 FOR UPDATE OF c)) AS shard
            ), took AS (
                UPDATE abuse_counters c SET hits = c.hits + \(meter.units) FROM pick, w
                WHERE \(fragment: room) AND c.shard = pick.shard
                RETURNING c.shard
            )
            SELECT EXISTS (SELECT FROM took) AS took,
                (SELECT coalesce(sum(c.hits), 0) FROM abuse_counters c, w
                 WHERE c.rule = \(meter.rule.rawValue) AND c.subject = \(meter.subject) AND c.window_start = w.start
                )::integer AS total,
                (SELECT ceil(extract(epoch FROM w.start + interval '1 hour' - now()))::integer FROM w) AS retry_after
            """
    }

    /// Counts a start against its prefix, unless the prefix is blocked or the number is on the Safe List; returns
    /// the hour's starts before this one and its approvals.
    static func countPrefix(_ prefix: String, phone: PhoneNumber) -> PostgresQuery {
        """
        WITH w AS (SELECT \(fragment: window) AS start),
        safe AS (SELECT FROM safe_list_numbers WHERE bucket = \(phone.bucket) AND phone = \(phone.e164)),
        blocked AS (
            SELECT blocked_until FROM prefix_blocks
            WHERE prefix = \(prefix) AND blocked_until > now() AND NOT EXISTS (SELECT FROM safe)
        ), counted AS (
            INSERT INTO abuse_counters AS c (rule, subject, window_start, shard, window_end, hits)
            SELECT 'prefix', \(prefix), w.start, 0, w.start + interval '1 hour', 1 FROM w
            WHERE NOT EXISTS (SELECT FROM safe) AND NOT EXISTS (SELECT FROM blocked)
            ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = c.hits + 1
            RETURNING c.hits
        )
        SELECT (SELECT ceil(extract(epoch FROM blocked_until - now()))::integer FROM blocked) AS blocked_for,
            coalesce((SELECT hits - 1 FROM counted), 0)::integer AS starts,
            coalesce((SELECT c.hits FROM abuse_counters c, w
                      WHERE c.rule = 'prefix_approved' AND c.subject = \(prefix) AND c.window_start = w.start
                        AND c.shard = 0), 0)::integer AS approved
        """
    }

    /// Counts an approval for the prefix's current hour.
    static func countApproval(_ prefix: String) -> PostgresQuery {
        """
        INSERT INTO abuse_counters AS c (rule, subject, window_start, shard, window_end, hits)
        SELECT 'prefix_approved', \(prefix), w.start, 0, w.start + interval '1 hour', 1
        FROM (SELECT \(fragment: window) AS start) w
        ON CONFLICT (rule, subject, window_start, shard) DO UPDATE SET hits = c.hits + 1
        """
    }

    /// Records `refusals` against the number, and blocks the prefix a refusal names; one statement.
    static func record(_ refusals: [AbuseRefusal], phone: PhoneNumber, blockSeconds: Int) -> PostgresQuery {
        let figures = refusals.map { refusal in
            let pairs = refusal.figures.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
            return "{" + pairs.joined(separator: ", ") + "}"
        }
        let block = refusals.first { $0.blocksPrefix != nil }
        return """
            WITH blocked AS (
                INSERT INTO prefix_blocks (prefix, blocked_until, starts, approved)
                SELECT \(block?.blocksPrefix), now() + \(blockSeconds) * interval '1 second',
                    \(block?.figures["count"] ?? 0), \(block?.figures["approved"] ?? 0)
                WHERE \(block != nil)
                ON CONFLICT (prefix) DO UPDATE SET blocked_at = now(), blocked_until = excluded.blocked_until,
                    starts = excluded.starts, approved = excluded.approved
            )
            INSERT INTO abuse_refusals AS r (bucket, phone, rule, enforced, refusals, figures)
            SELECT \(phone.bucket), \(phone.e164), f.rule, f.enforced, 1, f.figures::jsonb
            FROM unnest(\(PostgresArray(refusals.map(\.rule.rawValue))),
                \(PostgresArray(refusals.map { $0.enforced ? "t" : "f" }))::boolean[],
                \(PostgresArray(figures))) AS f(rule, enforced, figures)
            ON CONFLICT (bucket, phone, rule, enforced) DO UPDATE SET refusals = r.refusals + 1,
                figures = excluded.figures, last_at = now()
            """
    }
}
