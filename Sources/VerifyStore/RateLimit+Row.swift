import Postgres
import VerifyCore

extension RateLimit {
    /// The columns `init(row:)` reads, in order, from `rate_limits` aliased `r`.
    static let columns: PostgresQuery = "r.sid, r.service_sid, r.unique_name, r.description, r.created_at, r.updated_at"

    init(row: PostgresRow) throws {
        self.init(
            sid: try row.sid(0), serviceSid: try row.sid(1), uniqueName: try row.decode(2),
            description: try row.decode(3), createdAt: try row.decode(4), updatedAt: try row.decode(5))
    }
}

extension RateLimitBucket {
    /// The columns `init(row:)` reads, in order, from `rate_limit_buckets` aliased `b`.
    static let columns: PostgresQuery = """
        b.sid, b.rate_limit_sid, b.service_sid, b.max, b.interval_seconds, b.created_at, b.updated_at
        """

    init(row: PostgresRow) throws {
        self.init(
            sid: try row.sid(0), rateLimitSid: try row.sid(1), serviceSid: try row.sid(2), max: try row.decode(3),
            interval: try row.decode(4), createdAt: try row.decode(5), updatedAt: try row.decode(6))
    }
}
