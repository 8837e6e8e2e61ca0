import Logging
import Postgres
import VerifyCore

/// `verifyd check`: reads the shared database once, so one check covers every instance, and judges what it read
/// against a warning and a critical range per figure (one `-w`/`-c` pair cannot fit seven figures).
public struct HealthCheck: Sendable {
    /// Everything the check reads. A figure is nil when the schema cannot answer it yet.
    public struct Reading: Sendable {
        public var roundTrip: Duration
        public var migrations: MigrationStatus
        public var outbox: HealthFigures.Outbox?
        public var deliveryFailures: Int?
        public var conversion: HealthFigures.Conversion?
        public var spend: HealthFigures.Spend?
    }

    /// How long back the delivery failures and the approval rate look.
    static let failureWindowMinutes = 15
    static let conversionWindowMinutes = 60

    let client: PostgresClient
    let migrations: [Migration]
    /// The spend guard's ceilings, as `serve` reads them from the same environment.
    let abuse: AbuseSettings
    let logger: Logger

    public init(client: PostgresClient, migrations: [Migration], abuse: AbuseSettings = AbuseSettings(), logger: Logger)
    {
        self.client = client
        self.migrations = migrations
        self.abuse = abuse
        self.logger = logger
    }

    public func read() async throws -> Reading {
        let status = try await MigrationRunner(client: client, migrations: migrations, logger: logger).status()
        // Timed on a connection already open: the round trip, not the connection set-up.
        let started = ContinuousClock.now
        _ = try await client.query("SELECT 1")
        var reading = Reading(roundTrip: ContinuousClock.now - started, migrations: status)
        // Migrations apply in order, so with any applied the tables of the first one, which these read, exist.
        guard !status.applied.isEmpty else { return reading }
        let figures = HealthFigures(client: client)
        reading.outbox = try await figures.outbox()
        reading.deliveryFailures = try await figures.deliveryFailures(minutes: Self.failureWindowMinutes)
        reading.conversion = try await figures.conversion(minutes: Self.conversionWindowMinutes)
        reading.spend = try await figures.spend(abuse)
        return reading
    }
}
