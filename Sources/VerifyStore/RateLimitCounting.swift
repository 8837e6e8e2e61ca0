import Postgres
import VerifyCore

/// The statements that count a start against every bucket of the Service Rate Limits it names (migration 0004's
/// `rate_limit_bucket_hits`), in the current fixed window of each (multiples of the bucket's interval since the
/// epoch, by the database clock). A start sends them in its first round trip, inside its transaction, after issue
/// 9's counters and before its state read: a start they refuse throws, so it rolls back and has counted in no bucket,
/// and a replay under an `Idempotency-Key` answers before they run.
enum RateLimitCounting {
    /// Which names the service knows, then every bucket's counter of this window incremented
    /// (`INSERT … ON CONFLICT DO UPDATE`, which waits for a concurrent start's count of the same row and then adds
    /// to its result, so the total is exact across instances). Nothing without keys. Rows are locked in bucket SID
    /// order, so two starts that share buckets cannot deadlock.
    static func statements(_ keys: [MeteredKey], service: ServiceSid) throws -> [PostgresQuery] {
        guard !keys.isEmpty else { return [] }
        // A name twice would make the upsert touch one row twice, which PostgreSQL refuses.
        guard Set(keys.map(\.uniqueName)).count == keys.count else { throw VerifyError.invalid("RateLimits") }
        return [known(keys.map(\.uniqueName), service: service), count(keys, service: service)]
    }

    /// Refuses a name the service has no rate limit for (60200), then a full bucket (20429): a start waits for every
    /// full bucket, so `Retry-After` is the longest wait, at least a second. `rows` answer `statements` (none when
    /// there were no keys); a missing service was refused before, by the start's state read.
    static func check(_ rows: ArraySlice<PostgresRows>, keys: [MeteredKey]) throws {
        guard let known = rows.first, let full = rows.last else { return }
        guard try known[0].decode("known", as: Int.self) == keys.count else { throw VerifyError.invalid("RateLimits") }
        let waits = try full.map { try $0.decode("retry_after", as: Int.self) }
        if let longest = waits.max() { throw VerifyError(.rateLimitExceeded, retryAfter: max(1, longest)) }
    }

    /// How many of `names` the service has rate limits for.
    static func known(_ names: [String], service: ServiceSid) -> PostgresQuery {
        """
        SELECT count(*)::integer AS known FROM rate_limits
        WHERE service_sid = \(service.rawValue) AND unique_name = ANY (\(PostgresArray(names)))
        """
    }

    /// Counts the start in every bucket of the named rate limits, each under the digest of its value; answers the
    /// seconds until the window ends of each bucket this start took past its max.
    static func count(_ keys: [MeteredKey], service: ServiceSid) -> PostgresQuery {
        """
        WITH named AS (
            SELECT r.sid AS rate_limit_sid, k.digest
            FROM unnest(\(PostgresArray(keys.map(\.uniqueName))), \(PostgresArray(keys.map(\.digest)))) AS k(name, digest)
            JOIN rate_limits r ON r.service_sid = \(service.rawValue) AND r.unique_name = k.name
        ), windows AS (
            SELECT b.sid, n.digest, s.window_start,
                s.window_start + b.interval_seconds * interval '1 second' AS window_end
            FROM named n
            JOIN rate_limit_buckets b ON b.service_sid = \(service.rawValue) AND b.rate_limit_sid = n.rate_limit_sid
            CROSS JOIN LATERAL (
                SELECT to_timestamp(floor(extract(epoch FROM now()) / b.interval_seconds) * b.interval_seconds)
                    AS window_start
            ) s
        ), counted AS (
            INSERT INTO rate_limit_bucket_hits AS h
                (service_sid, bucket_sid, value_digest, window_start, window_end, hits)
            SELECT \(service.rawValue), w.sid, w.digest, w.window_start, w.window_end, 1 FROM windows w ORDER BY w.sid
            ON CONFLICT (service_sid, bucket_sid, value_digest, window_start) DO UPDATE SET hits = h.hits + 1
            RETURNING h.bucket_sid, h.hits, h.window_end
        )
        SELECT ceil(extract(epoch FROM c.window_end - now()))::integer AS retry_after
        FROM counted c JOIN rate_limit_buckets b ON b.service_sid = \(service.rawValue) AND b.sid = c.bucket_sid
        WHERE c.hits > b.max
        """
    }
}
