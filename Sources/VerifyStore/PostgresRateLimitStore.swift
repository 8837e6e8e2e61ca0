import Postgres
import VerifyCore

/// Service Rate Limits and their buckets in PostgreSQL; a start counts against the buckets in its own transaction
/// (`RateLimitCounting`).
public struct PostgresRateLimitStore: RateLimitStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    // MARK: Rate limits

    /// One round trip, one transaction: the service row is locked first, so that concurrent creates count one
    /// another's rows and the cap holds; `FOR NO KEY UPDATE` leaves the service's foreign keys (new verifications)
    /// unblocked.
    public func createRateLimit(service: ServiceSid, uniqueName: String, description: String?) async throws
        -> RateLimit
    {
        let sid = RateLimitSid.random()
        let results = try await Self.refusingDuplicate(.duplicateUniqueName) {
            try await client.withConnection { connection in
                try await connection.pipeline([
                    "SELECT FROM services WHERE sid = \(service.rawValue) AND deleted_at IS NULL FOR NO KEY UPDATE",
                    """
                    INSERT INTO rate_limits AS r (service_sid, sid, unique_name, description)
                    SELECT \(service.rawValue), \(sid.rawValue), \(uniqueName), \(description)
                    WHERE EXISTS (SELECT FROM services WHERE sid = \(service.rawValue) AND deleted_at IS NULL)
                        AND (SELECT count(*) FROM rate_limits WHERE service_sid = \(service.rawValue))
                            < \(RateLimit.maximumPerService)
                    RETURNING \(fragment: RateLimit.columns)
                    """,
                    """
                    SELECT FROM rate_limits WHERE service_sid = \(service.rawValue) AND unique_name = \(uniqueName)
                    """,
                ])
            }
        }
        guard !results[0].isEmpty else { throw VerifyError(.notFound(.service(service))) }
        guard let row = results[1].single() else {
            // A full service that already has the name: the name is the mistake to name.
            throw VerifyError(results[2].isEmpty ? .tooManyRateLimits : .duplicateUniqueName)
        }
        return try RateLimit(row: row)
    }

    public func rateLimit(_ sid: RateLimitSid, service: ServiceSid) async throws -> RateLimit? {
        try await client.query(
            """
            SELECT \(fragment: RateLimit.columns) FROM rate_limits r
            WHERE r.service_sid = \(service.rawValue) AND r.sid = \(sid.rawValue)
                AND \(fragment: PostgresVerificationStore.serviceLive(service))
            """
        ).single().map(RateLimit.init(row:))
    }

    public func rateLimits(service: ServiceSid, after cursor: PageCursor<RateLimitKind>?, offset: Int, limit: Int)
        async throws -> [RateLimit]?
    {
        let page = PageCursor.clause(cursor, order: "r.created_at, r.sid", offset: offset, limit: limit)
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                "SELECT FROM services WHERE sid = \(service.rawValue) AND deleted_at IS NULL",
                """
                SELECT \(fragment: RateLimit.columns) FROM rate_limits r WHERE r.service_sid = \(service.rawValue)
                \(fragment: page)
                """,
            ])
        }
        guard !results[0].isEmpty else { return nil }
        return try results[1].map(RateLimit.init(row:))
    }

    public func updateRateLimit(_ sid: RateLimitSid, service: ServiceSid, description: String?) async throws
        -> RateLimit?
    {
        guard let description else { return try await rateLimit(sid, service: service) }
        return try await client.query(
            """
            UPDATE rate_limits r SET description = \(description), updated_at = now()
            WHERE r.service_sid = \(service.rawValue) AND r.sid = \(sid.rawValue)
                AND \(fragment: PostgresVerificationStore.serviceLive(service))
            RETURNING \(fragment: RateLimit.columns)
            """
        ).single().map(RateLimit.init(row:))
    }

    public func deleteRateLimit(_ sid: RateLimitSid, service: ServiceSid) async throws -> Bool {
        try await client.query(
            """
            DELETE FROM rate_limits WHERE service_sid = \(service.rawValue) AND sid = \(sid.rawValue)
                AND \(fragment: PostgresVerificationStore.serviceLive(service))
            """
        ).affectedRows == 1
    }

    // MARK: Buckets

    /// As `createRateLimit`: the rate limit's row is locked first so that the cap on buckets holds.
    public func createBucket(service: ServiceSid, rateLimit: RateLimitSid, max: Int, interval: Int) async throws
        -> RateLimitBucket
    {
        let sid = BucketSid.random()
        let results = try await Self.refusingDuplicate(.duplicateBucketInterval) {
            try await client.withConnection { connection in
                try await connection.pipeline([
                    """
                    SELECT FROM rate_limits WHERE service_sid = \(service.rawValue) AND sid = \(rateLimit.rawValue)
                    FOR NO KEY UPDATE
                    """,
                    """
                    INSERT INTO rate_limit_buckets AS b (service_sid, rate_limit_sid, sid, max, interval_seconds)
                    SELECT \(service.rawValue), \(rateLimit.rawValue), \(sid.rawValue), \(max), \(interval)
                    WHERE EXISTS (
                        SELECT FROM rate_limits WHERE service_sid = \(service.rawValue) AND sid = \(rateLimit.rawValue)
                            AND \(fragment: PostgresVerificationStore.serviceLive(service))
                    ) AND (
                        SELECT count(*) FROM rate_limit_buckets
                        WHERE service_sid = \(service.rawValue) AND rate_limit_sid = \(rateLimit.rawValue)
                    ) < \(RateLimitBucket.maximumPerRateLimit)
                    RETURNING \(fragment: RateLimitBucket.columns)
                    """,
                    """
                    SELECT FROM rate_limit_buckets
                    WHERE service_sid = \(service.rawValue) AND rate_limit_sid = \(rateLimit.rawValue)
                        AND interval_seconds = \(interval)
                    """,
                ])
            }
        }
        guard !results[0].isEmpty else { throw VerifyError(.notFound(.rateLimit(service, rateLimit))) }
        guard let row = results[1].single() else {
            throw VerifyError(results[2].isEmpty ? .tooManyBuckets : .duplicateBucketInterval)
        }
        return try RateLimitBucket(row: row)
    }

    public func bucket(_ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid) async throws
        -> RateLimitBucket?
    {
        try await client.query(
            """
            SELECT \(fragment: RateLimitBucket.columns) FROM rate_limit_buckets b
            WHERE b.service_sid = \(service.rawValue) AND b.rate_limit_sid = \(rateLimit.rawValue)
                AND \(fragment: PostgresVerificationStore.serviceLive(service))
                AND b.sid = \(sid.rawValue)
            """
        ).single().map(RateLimitBucket.init(row:))
    }

    public func buckets(
        rateLimit: RateLimitSid, service: ServiceSid, after cursor: PageCursor<BucketKind>?, offset: Int, limit: Int
    ) async throws -> [RateLimitBucket]? {
        let page = PageCursor.clause(cursor, order: "b.created_at, b.sid", offset: offset, limit: limit)
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                """
                SELECT FROM rate_limits WHERE service_sid = \(service.rawValue) AND sid = \(rateLimit.rawValue)
                    AND \(fragment: PostgresVerificationStore.serviceLive(service))
                """,
                """
                SELECT \(fragment: RateLimitBucket.columns) FROM rate_limit_buckets b
                WHERE b.service_sid = \(service.rawValue) AND b.rate_limit_sid = \(rateLimit.rawValue)
                    AND \(fragment: PostgresVerificationStore.serviceLive(service))
                \(fragment: page)
                """,
            ])
        }
        guard !results[0].isEmpty else { return nil }
        return try results[1].map(RateLimitBucket.init(row:))
    }

    public func updateBucket(
        _ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid, max: Int?, interval: Int?
    ) async throws -> RateLimitBucket? {
        guard max != nil || interval != nil else {
            return try await bucket(sid, rateLimit: rateLimit, service: service)
        }
        return try await Self.refusingDuplicate(.duplicateBucketInterval) {
            try await client.query(
                """
                UPDATE rate_limit_buckets b
                SET max = coalesce(\(max), b.max), interval_seconds = coalesce(\(interval), b.interval_seconds),
                    updated_at = now()
                WHERE b.service_sid = \(service.rawValue) AND b.rate_limit_sid = \(rateLimit.rawValue)
                    AND \(fragment: PostgresVerificationStore.serviceLive(service))
                    AND b.sid = \(sid.rawValue)
                RETURNING \(fragment: RateLimitBucket.columns)
                """
            ).single().map(RateLimitBucket.init(row:))
        }
    }

    public func deleteBucket(_ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid) async throws -> Bool {
        try await client.query(
            """
            DELETE FROM rate_limit_buckets
            WHERE service_sid = \(service.rawValue) AND rate_limit_sid = \(rateLimit.rawValue) AND sid = \(sid.rawValue)
                AND \(fragment: PostgresVerificationStore.serviceLive(service))
            """
        ).affectedRows == 1
    }

    // MARK: Counters

    public func deleteExpiredCounters(limit: Int) async throws -> Int {
        try await client.query(
            """
            DELETE FROM rate_limit_bucket_hits WHERE ctid = ANY (ARRAY (
                SELECT ctid FROM rate_limit_bucket_hits WHERE window_end < now() LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ))
            """
        ).affectedRows
    }

    /// Runs `body`, turning a unique violation into `reason`: the only unique keys these statements can break are
    /// a service's unique names and a rate limit's intervals (SIDs are 128 random bits).
    static func refusingDuplicate<Result>(_ reason: VerifyError.Reason, _ body: () async throws -> Result)
        async throws -> Result
    {
        do {
            return try await body()
        } catch let error as PostgresError where error.isUniqueViolation {
            throw VerifyError(reason)
        }
    }
}
