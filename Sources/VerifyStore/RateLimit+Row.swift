import Postgres
import VerifyCore

extension RateLimit {
    /// The columns `init(row:)` reads, by name, from `rate_limits` aliased `r`.
    static let columns: PostgresQuery = "r.sid, r.service_sid, r.unique_name, r.description, r.created_at, r.updated_at"

    init(row: PostgresRow) throws {
        self.init(
            sid: try row.sid("sid"), serviceSid: try row.sid("service_sid"), uniqueName: try row.decode("unique_name"),
            description: try row.decode("description"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }
}

extension RateLimitBucket {
    /// The columns `init(row:)` reads, by name, from `rate_limit_buckets` aliased `b`.
    static let columns: PostgresQuery = """
        b.sid, b.rate_limit_sid, b.service_sid, b.max, b.interval_seconds, b.created_at, b.updated_at
        """

    init(row: PostgresRow) throws {
        self.init(
            sid: try row.sid("sid"), rateLimitSid: try row.sid("rate_limit_sid"),
            serviceSid: try row.sid("service_sid"),
            max: try row.decode("max"), interval: try row.decode("interval_seconds"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
