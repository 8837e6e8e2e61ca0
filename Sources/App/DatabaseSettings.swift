import Postgres

/// The settings every command needs: where PostgreSQL is and how long things may take there.
public struct DatabaseSettings: Sendable {
    public var postgres: PostgresConfiguration
    public var logging: LogSettings

    /// Reads `DATABASE_URL` and the `VERIFYD_DB_…` and `VERIFYD_LOG_…` variables.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> DatabaseSettings {
        var reader = EnvironmentReader(environment)
        let settings = read(&reader)
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
        return settings
    }

    static func read(_ reader: inout EnvironmentReader) -> DatabaseSettings {
        let url = reader.required("DATABASE_URL", "a libpq connection string or postgres:// URI")
        let limits = TransactionLimits(
            statementTimeout: reader.milliseconds("VERIFYD_DB_STATEMENT_TIMEOUT_MS", default: 5000, in: 1...3_600_000),
            lockTimeout: reader.milliseconds("VERIFYD_DB_LOCK_TIMEOUT_MS", default: 2000, in: 1...3_600_000),
            idleInTransactionTimeout: reader.milliseconds(
                "VERIFYD_DB_IDLE_IN_TX_TIMEOUT_MS", default: 10_000, in: 1...3_600_000)
        )
        let postgres = PostgresConfiguration(
            connectionString: url,
            poolSize: reader.integer("VERIFYD_DB_POOL_SIZE", default: 8, in: 1...200),
            poolTimeout: reader.milliseconds("VERIFYD_DB_POOL_TIMEOUT_MS", default: 5000, in: 1...600_000),
            maxWaiters: reader.integer("VERIFYD_DB_MAX_WAITERS", default: 1024, in: 0...100_000),
            roundTripTimeout: reader.milliseconds(
                "VERIFYD_DB_ROUND_TRIP_TIMEOUT_MS", default: 10_000, in: 1...3_600_000),
            idleTimeout: .seconds(reader.integer("VERIFYD_DB_IDLE_TIMEOUT_SECONDS", default: 300, in: 1...86_400)),
            maxLifetime: .seconds(reader.integer("VERIFYD_DB_MAX_LIFETIME_SECONDS", default: 1800, in: 1...604_800)),
            preparedStatements: reader.boolean("VERIFYD_DB_PREPARED_STATEMENTS", default: false),
            limits: limits
        )
        return DatabaseSettings(postgres: postgres, logging: LogSettings.read(&reader))
    }
}
