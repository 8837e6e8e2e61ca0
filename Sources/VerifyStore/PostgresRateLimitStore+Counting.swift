import Postgres
import VerifyCore

extension PostgresRateLimitStore {
    /// One round trip and one transaction of three statements: which names the service knows, then every bucket's
    /// counter of this window incremented (`INSERT … ON CONFLICT DO UPDATE`, which waits for a concurrent count of
    /// the same row and then adds to its result, so the total is exact across instances), then, when a bucket went
    /// over its max or a name was unknown, the increments taken back before the commit. Nobody else sees the
    /// increments of a refused start: the rows stay locked until the transaction ends. Rows are locked in bucket SID
    /// order, so two starts that share buckets cannot deadlock. (The last two statements read the buckets each with
    /// its own snapshot: a bucket updated between them can leave that one start counted wrongly by one.)
    public func count(_ keys: [MeteredKey], service: ServiceSid) async throws -> RateLimitVerdict {
        guard !keys.isEmpty else { return .allowed }
        // A name twice would make the upsert touch one row twice, which PostgreSQL refuses.
        guard Set(keys.map(\.uniqueName)).count == keys.count else { throw VerifyError.invalid("RateLimits") }
        let windows = Self.windows(keys, service: service)
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                Self.known(keys.map(\.uniqueName), service: service),
                """
                WITH \(fragment: windows), counted AS (
                    INSERT INTO rate_limit_bucket_hits AS h
                        (service_sid, bucket_sid, value_digest, window_start, window_end, hits)
                    SELECT \(service.rawValue), w.sid, w.digest, w.window_start, w.window_end, 1 FROM windows w ORDER BY w.sid
                    ON CONFLICT (service_sid, bucket_sid, value_digest, window_start) DO UPDATE SET hits = h.hits + 1
                    RETURNING h.bucket_sid, h.hits, h.window_end
                )
                SELECT c.bucket_sid, ceil(extract(epoch FROM c.window_end - now()))::integer AS retry_after
                FROM counted c JOIN rate_limit_buckets b ON b.service_sid = \(service.rawValue) AND b.sid = c.bucket_sid
                WHERE c.hits > b.max
                """,
                """
                WITH \(fragment: windows), refused AS (
                    SELECT (SELECT count(DISTINCT rate_limit_sid) FROM named) < \(keys.count)
                        OR EXISTS (
                            SELECT FROM windows w
                            JOIN rate_limit_bucket_hits h ON h.service_sid = \(service.rawValue) AND h.bucket_sid = w.sid
                                AND h.value_digest = w.digest AND h.window_start = w.window_start
                            WHERE h.hits > w.max
                        ) AS yes
                ), emptied AS (
                    DELETE FROM rate_limit_bucket_hits h USING windows w, refused
                    WHERE refused.yes AND h.service_sid = \(service.rawValue) AND h.bucket_sid = w.sid
                        AND h.value_digest = w.digest AND h.window_start = w.window_start AND h.hits = 1
                )
                UPDATE rate_limit_bucket_hits h SET hits = h.hits - 1 FROM windows w, refused
                WHERE refused.yes AND h.service_sid = \(service.rawValue) AND h.bucket_sid = w.sid
                    AND h.value_digest = w.digest AND h.window_start = w.window_start AND h.hits > 1
                """,
            ])
        }
        try Self.check(results[0], count: keys.count, service: service)
        let full = try results[1].map {
            (sid: try $0.sid("bucket_sid", as: BucketSid.self), seconds: try $0.decode("retry_after", as: Int.self))
        }
        // A start waits for every full bucket.
        guard let last = full.max(by: { $0.seconds < $1.seconds }) else { return .allowed }
        return .limited(bucket: last.sid, retryAfter: max(1, last.seconds))
    }

    public func deleteExpiredCounters(limit: Int) async throws -> Int {
        try await client.query(
            """
            DELETE FROM rate_limit_bucket_hits WHERE ctid = ANY (ARRAY (
                SELECT ctid FROM rate_limit_bucket_hits WHERE window_end < now() LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ))
            """
        ).affectedRows
    }

    // MARK: Statements

    /// Whether the service exists, and how many of `names` it has rate limits for.
    static func known(_ names: [String], service: ServiceSid) -> PostgresQuery {
        """
        SELECT EXISTS (SELECT FROM services WHERE sid = \(service.rawValue) AND deleted_at IS NULL) AS service_exists,
            (SELECT count(*)::integer FROM rate_limits
             WHERE service_sid = \(service.rawValue)
                AND unique_name = ANY (\(PostgresArray(names)))) AS known
        """
    }

    /// Refuses a missing service (20404) and names the service has no rate limit for (60200).
    static func check(_ rows: PostgresRows, count: Int, service: ServiceSid) throws {
        let row = rows[0]
        guard try row.decode("service_exists", as: Bool.self) else { throw VerifyError(.notFound(.service(service))) }
        guard try row.decode("known", as: Int.self) == count else { throw VerifyError.invalid("RateLimits") }
    }

    /// `named`: the rate limits `keys` name, with the digest each is counted under; `windows`: every bucket of
    /// those, with the fixed window `now()` falls in (multiples of the interval since the epoch). `now()` is the
    /// transaction's start, so every statement of one count sees the same windows.
    static func windows(_ keys: [MeteredKey], service: ServiceSid) -> PostgresQuery {
        """
        named AS (
            SELECT r.sid AS rate_limit_sid, k.digest
            FROM unnest(\(PostgresArray(keys.map(\.uniqueName))), \(PostgresArray(keys.map(\.digest)))) AS k(name, digest)
            JOIN rate_limits r ON r.service_sid = \(service.rawValue) AND r.unique_name = k.name
        ), windows AS (
            SELECT b.sid, b.max, n.digest, s.window_start,
                s.window_start + b.interval_seconds * interval '1 second' AS window_end
            FROM named n
            JOIN rate_limit_buckets b ON b.service_sid = \(service.rawValue) AND b.rate_limit_sid = n.rate_limit_sid
            CROSS JOIN LATERAL (
                SELECT to_timestamp(floor(extract(epoch FROM now()) / b.interval_seconds) * b.interval_seconds)
                    AS window_start
            ) s
        )
        """
    }
}
