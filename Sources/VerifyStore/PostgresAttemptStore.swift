import Postgres
import VerifyCore

/// The Attempts API's reads. Account-wide listing is an operator query, not a hot path: it scans by time across
/// every bucket (on a sharded database, every shard), which is acceptable for a report and never done for a
/// verification. Which index serves which filter is set out in migrations/0007_verification_attempts.sql.
///
/// Conversion is read here, not stored: an attempt is converted when its verification is approved, seen through
/// the join on (bucket, verification_sid) that every read makes anyway, so approving a code writes nothing more.
public struct PostgresAttemptStore: AttemptStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func attempts(matching filter: AttemptFilter, before cursor: AttemptPageCursor?, offset: Int, limit: Int)
        async throws -> [VerificationAttempt]
    {
        let rows = try await client.query(Self.listing(filter, before: cursor, offset: offset, limit: limit))
        return try rows.map(VerificationAttempt.init(row:))
    }

    /// The page statement; AttemptQueryPlanTests explains it to check which index each filter uses.
    static func listing(_ filter: AttemptFilter, before cursor: AttemptPageCursor?, offset: Int, limit: Int)
        -> PostgresQuery
    {
        var conditions = Self.conditions(filter)
        var skipped = offset
        if let cursor {
            conditions.append(
                """
                (a.created_at, a.sid) < (timestamptz 'epoch' + \(Int(cursor.createdAtMicroseconds)) \
                * interval '1 microsecond', \(cursor.sid.rawValue))
                """)
            skipped = 0
        }
        return """
            SELECT \(fragment: Self.columns) FROM \(fragment: Self.source)
            WHERE \(fragment: Self.all(conditions))
            ORDER BY a.created_at DESC, a.sid DESC LIMIT \(limit) OFFSET \(skipped)
            """
    }

    public func attempt(_ sid: AttemptSid) async throws -> VerificationAttempt? {
        let rows = try await client.query(
            """
            SELECT \(fragment: Self.columns) FROM \(fragment: Self.source)
            WHERE a.bucket = \(sid.bucket) AND a.sid = \(sid.rawValue)
            """)
        return try rows.single().map(VerificationAttempt.init(row:))
    }

    public func totals(matching filter: AttemptFilter) async throws -> AttemptTotals {
        let row = try await client.query(
            """
            SELECT count(*) AS attempts, count(*) FILTER (WHERE v.status = 'approved') AS converted
            FROM \(fragment: Self.source) WHERE \(fragment: Self.all(Self.conditions(filter)))
            """)[0]
        return AttemptTotals(attempts: try row.decode("attempts"), converted: try row.decode("converted"))
    }

    public func dailyCounts(from first: CalendarDay?, through last: CalendarDay?) async throws
        -> [AttemptDailyCounts]
    {
        // Days by the database clock, the only clock for time windows; the bounds stay stable expressions, so the
        // range is an index range on delivery_attempts_created.
        let lastDay: PostgresQuery =
            "coalesce(\(last?.description)::date, (now() AT TIME ZONE 'UTC')::date)"
        let firstDay: PostgresQuery = "coalesce(\(first?.description)::date, \(fragment: lastDay) - 6)"
        let rows = try await client.query(
            """
            SELECT to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, v.service_sid,
                a.destination_region, count(DISTINCT a.verification_sid) AS started, count(*) AS attempts,
                count(*) FILTER (WHERE v.status = 'approved') AS converted
            FROM \(fragment: Self.source)
            WHERE a.created_at >= \(fragment: firstDay)::timestamp AT TIME ZONE 'UTC'
                AND a.created_at < (\(fragment: lastDay) + 1)::timestamp AT TIME ZONE 'UTC'
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """)
        return try rows.map { row in
            guard let day = CalendarDay(try row.decode("day", as: String.self)) else {
                throw StoreError.malformed("day", column: "day")
            }
            return AttemptDailyCounts(
                day: day, service: try row.sid("service_sid"), region: try row.region("destination_region"),
                started: try row.decode("started"),
                totals: AttemptTotals(attempts: try row.decode("attempts"), converted: try row.decode("converted")))
        }
    }

    /// Every attempt with its verification, which says where it went and whether it converted.
    static let source: PostgresQuery = """
        delivery_attempts a JOIN verifications v ON v.bucket = a.bucket AND v.sid = a.verification_sid
        """

    /// What `VerificationAttempt.init(row:)` reads, by name.
    static let columns: PostgresQuery = """
        a.sid, a.verification_sid, v.service_sid, v.phone, a.channel, a.status, a.error_code, a.destination_region, \
        v.locale, v.status = 'approved' AS converted, a.created_at, \
        greatest(a.updated_at, CASE WHEN v.status = 'approved' THEN v.updated_at END) AS updated_at
        """

    /// The filter as conditions on `source`. A number and a verification SID each name their bucket, which narrows
    /// the scan to about 1/65536 of the rows.
    static func conditions(_ filter: AttemptFilter) -> [PostgresQuery] {
        var conditions: [PostgresQuery] = []
        if let from = filter.createdFrom { conditions.append("a.created_at >= \(from)") }
        if let before = filter.createdBefore { conditions.append("a.created_at < \(before)") }
        if let to = filter.to { conditions.append("a.bucket = \(to.bucket) AND v.phone = \(to.e164)") }
        if let region = filter.region { conditions.append("a.destination_region = \(region.code)") }
        if let channel = filter.channel { conditions.append("a.channel = \(channel)") }
        if let service = filter.service { conditions.append("v.service_sid = \(service.rawValue)") }
        if let verification = filter.verification {
            conditions.append("a.bucket = \(verification.bucket) AND a.verification_sid = \(verification.rawValue)")
        }
        switch filter.converted {
        case true?: conditions.append("v.status = 'approved'")
        case false?: conditions.append("v.status <> 'approved'")
        case nil: break
        }
        if let prefix = filter.destinationPrefix { conditions.append("starts_with(v.phone, \("+" + prefix))") }
        return conditions
    }

    static func all(_ conditions: [PostgresQuery]) -> PostgresQuery {
        conditions.reduce("true") { (all: PostgresQuery, next: PostgresQuery) in
            "\(fragment: all) AND \(fragment: next)"
        }
    }
}

extension VerificationAttempt {
    init(row: PostgresRow) throws {
        self.init(
            sid: try row.sid("sid"), serviceSid: try row.sid("service_sid"),
            verificationSid: try row.sid("verification_sid"), to: try row.phone("phone"),
            channel: try row.value("channel", as: Channel.self),
            deliveryStatus: try row.value("status", as: DeliveryStatus.self), errorCode: try row.decode("error_code"),
            region: try row.region("destination_region"), locale: try row.decode("locale"),
            converted: try row.decode("converted"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }
}
