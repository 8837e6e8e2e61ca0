import Postgres
import VerifyCore
import VerifyStore

/// The figures an operator alerts on, read from the shared database, so that they cover every instance: the
/// outbox for `/metrics`, and all of them for `verifyd check`. Each query reads through an index that exists for
/// the hot path, so a check every minute stays cheap on a large database.
public struct HealthFigures: Sendable {
    let client: PostgresClient

    public struct Outbox: Sendable, Equatable {
        /// Attempts queued for a dispatcher (first sends with the fast path off, and retries).
        public var depth: Int
        /// Seconds since the oldest queued attempt was created; 0 when nothing is queued.
        public var oldestAge: Double
    }

    public struct Conversion: Sendable, Equatable {
        public var started: Int
        public var approved: Int
        /// approved / started, nil when nothing started.
        public var rate: Double? { started == 0 ? nil : Double(approved) / Double(started) }
    }

    /// What the spend guard allows and what was spent against it, in its own unit.
    public struct Spend: Sendable, Equatable {
        public var spent: Double
        public var limit: Double
    }

    func outbox() async throws -> Outbox {
        // `delivery_attempts_due` covers exactly the queued rows.
        let row = try await client.query(
            """
            SELECT count(*)::int8 AS depth,
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age
            FROM delivery_attempts WHERE status = 'queued'
            """
        ).single()
        return Outbox(depth: try row?.decode("depth") ?? 0, oldestAge: try row?.decode("oldest_age") ?? 0)
    }

    /// Delivery attempts of verifications started in the last `minutes` that failed or came back undelivered.
    /// Counted by the verification's start, not the attempt's last change, so that the query walks
    /// `verifications_created` instead of every attempt ever made; a failure surfaces within minutes of its start.
    func deliveryFailures(minutes: Int) async throws -> Int {
        let row = try await client.query(
            """
            SELECT count(*)::int8 AS failures
            FROM verifications v JOIN delivery_attempts d ON d.bucket = v.bucket AND d.verification_sid = v.sid
            WHERE v.created_at > now() - \(minutes) * interval '1 minute'
                AND d.status IN ('failed', 'undelivered')
            """
        ).single()
        return try row?.decode("failures") ?? 0
    }

    /// Verifications started in the last `minutes`, and how many of them were approved.
    func conversion(minutes: Int) async throws -> Conversion {
        let row = try await client.query(
            """
            SELECT count(*)::int8 AS started, count(*) FILTER (WHERE status = 'approved')::int8 AS approved
            FROM verifications WHERE created_at > now() - \(minutes) * interval '1 minute'
            """
        ).single()
        return Conversion(started: try row?.decode("started") ?? 0, approved: try row?.decode("approved") ?? 0)
    }

    /// The spend guard's reading nearest its ceiling (global, or one country's), from this hour's sharded counters;
    /// nil when no ceiling is set, so the guard is off.
    func spend(_ settings: AbuseSettings) async throws -> Spend? {
        let readings = try await PostgresAbuseStore(client: client).spend(settings: settings)
        func share(_ reading: SpendReading) -> Double { Double(reading.spent) / Double(reading.ceiling) }
        guard let nearest = readings.filter({ $0.ceiling > 0 }).max(by: { share($0) < share($1) }) else { return nil }
        return Spend(spent: Double(nearest.spent), limit: Double(nearest.ceiling))
    }
}
