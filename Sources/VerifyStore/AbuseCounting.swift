import Foundation
import Postgres
import VerifyCore

/// The statements of issue 9's counters (migrations 0009 and 0011). A start sends them in its first round trip,
/// before its state read, inside its transaction: a refused start rolls back and has counted nothing, and an allowed
/// one commits its counts with the verification. Counters are hourly fixed windows by the database clock.
enum AbuseCounting {
    /// The start of the current hour: epoch seconds, so every session agrees whatever its time zone.
    static let window: PostgresQuery = "to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600)"

    /// The statements for `meters` and `prefix`, in the order `tally` reads them: one call per counter to the
    /// functions of migrations 0011 and 0012, whose plans PostgreSQL keeps for the session; a meter with a `blocks`
    /// entry takes that block. Past the prefix rule's minimum, a prefix's start counts in its session's shard
    /// (`sessionShard`, never 0, where the first starts are counted exactly), unless a test names one.
    static func statements(
        meters: [AbuseMeter], blocks: [Int] = [], prefix: String?, settings: AbuseSettings, phone: PhoneNumber,
        prefixShard: Int? = nil
    ) -> [PostgresQuery] {
        var statements = meters.indices.map { take(meters[$0], block: $0 < blocks.count ? blocks[$0] : 0) }
        if let prefix {
            let shard: PostgresQuery =
                prefixShard.map { "\($0)::integer" } ?? sessionShard(from: 1, shards: settings.shards)
            statements.append(
                """
                SELECT * FROM verifyd_count_prefix(\(prefix), \(phone.bucket)::integer, \(phone.e164),
                    \(settings.prefix.minimumStarts)::integer, \(fragment: shard))
                """)
        }
        return statements
    }

    /// The prefix rule's shard for a start or an approval: the database session's, one of `first..<shards`. A
    /// session runs one transaction at a time, so the starts of one prefix never wait for each other on it (save two
    /// sessions whose numbers meet, as two random picks would), and a prefix has at most a row per session, not a
    /// row per shard: every start of the prefix sums those rows, and with random shards a busy prefix had them all.
    /// `pg_backend_pid()` is the server's session, behind pgbouncer too, where it holds one transaction at a time.
    static func sessionShard(from first: Int, shards: Int) -> PostgresQuery {
        "(\(first) + pg_backend_pid() % \(max(shards - first, 1)))::integer"
    }

    static func tally(_ rows: ArraySlice<PostgresRows>, meters: [AbuseMeter], prefix: String?) throws -> AbuseTally {
        var results = rows
        var tallied: [AbuseTally.Meter] = []
        for meter in meters {
            tallied.append(try self.meter(meter, row: results.removeFirst()[0]))
        }
        let prefixTally = try prefix.map { prefix in
            let row = results.removeFirst()[0]
            return AbuseTally.Prefix(
                prefix: prefix, blockedFor: try row.decode("blocked_for"), starts: try row.decode("starts"),
                approved: try row.decode("approved"))
        }
        return AbuseTally(meters: tallied, prefix: prefixTally)
    }

    /// Takes `meter.units` from one of the meter's shards (`verifyd_take`), trying `first` first: a random one, so
    /// that concurrent starts spread over the shards. With a `block` larger than that, it takes the block for this
    /// instance to spend on its next starts (`verifyd_take_block`, `CounterLeases`), or the units alone when no shard
    /// has room for the block. A start locks in one order: the meters in `AbusePolicy.meters` order, the prefix's
    /// row, the Service Rate Limits' bucket rows (`RateLimitCounting`, in bucket SID order), then the phone's rows;
    /// and the function waits for a shard only while it holds none of that meter, so two starts cannot wait on each
    /// other.
    static func take(_ meter: AbuseMeter, first: Int? = nil, block: Int = 0) -> PostgresQuery {
        let first = first ?? Int.random(in: 0..<meter.shards)
        guard block > meter.units else {
            return """
                SELECT * FROM verifyd_take(\(meter.rule.rawValue), \(meter.subject), \(meter.units)::integer,
                    \(meter.limit)::integer, \(meter.shards)::integer, \(first)::integer)
                """
        }
        return """
            SELECT * FROM verifyd_take_block(\(meter.rule.rawValue), \(meter.subject), \(meter.units)::integer,
                \(block)::integer, \(meter.limit)::integer, \(meter.shards)::integer, \(first)::integer)
            """
    }

    /// How often a start or check runs before it gives up (429 / 60212, `Retry-After: 1`).
    static let passes = 8

    /// A contended counter is one near its limit whose last shards with room are held by transactions that are
    /// about to commit or roll back; the retry waits a little for them (1–4 ms times the pass, under 150 ms over
    /// every pass), jittered so that the retries of a burst do not meet again.
    static func backOff(after pass: Int) async throws {
        try await Task.sleep(for: .milliseconds(Int.random(in: 1...4) * pass))
    }

    static func meter(_ meter: AbuseMeter, row: PostgresRow) throws -> AbuseTally.Meter {
        // A meter that took answers no count and no seconds: only a refusal reports them.
        AbuseTally.Meter(
            meter: meter, took: try row.decode("took"), total: try row.decode("total", as: Int?.self) ?? 0,
            secondsUntilWindowEnds: try row.decode("retry_after", as: Int?.self) ?? 0,
            contended: try row.decode("contended"))
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
