import Foundation
import Logging

/// Applies migrations exactly once however many runners start at the same time, also through pgbouncer in
/// transaction pooling mode: each file runs in its own transaction that first takes a transaction-level advisory
/// lock and then re-reads what is applied, so a runner that waited finds the work done and moves on.
public struct MigrationRunner: Sendable {
    /// `pg_advisory_xact_lock` key shared by every verifyd runner: "verifyd" in ASCII.
    static let lockKey = 0x76_65_72_69_66_79_64
    private let client: PostgresClient
    private let migrations: [Migration]
    private let lockWait: Duration
    private let logger: Logger

    /// - Parameter lockWait: how long a runner waits for another runner's migration before giving up.
    public init(client: PostgresClient, migrations: [Migration], lockWait: Duration = .seconds(60), logger: Logger)
        throws(MigrationError)
    {
        self.client = client
        self.migrations = try Migration.ordered(migrations)
        self.lockWait = lockWait
        self.logger = logger
    }

    public func status() async throws -> MigrationStatus {
        let applied = try await client.withConnection { try await Self.readApplied($0, tableMayBeMissing: true) }
        return Self.compare(migrations, with: applied)
    }

    /// `status()` on the client's probe connection, each round trip within `timeout`: for readiness, which a
    /// saturated pool must not delay.
    public func probeStatus(timeout: Duration) async throws -> MigrationStatus {
        let applied = try await client.withProbeConnection(timeout: timeout) {
            try await Self.readApplied($0, tableMayBeMissing: true)
        }
        return Self.compare(migrations, with: applied)
    }

    /// Applies every pending migration in order and returns those this call applied. A file whose checksum differs
    /// from the applied one stops the run before anything is applied.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await createTable()
        let status = try await status()
        if let changed = status.changed.first { throw MigrationError(.checksumMismatch, file: changed.fileName) }
        for version in status.unknown {
            logger.warning(
                "migrate.unknown_version",
                metadata: ["version": "\(version.version)", "name": "\(version.name)"])
        }
        var appliedNow: [Migration] = []
        for migration in status.pending {
            let applied =
                migration.runsOutsideTransaction
                ? try await applyOutsideTransaction(migration) : try await applyInTransaction(migration)
            if applied {
                logger.info("migrate.applied", metadata: ["file": "\(migration.fileName)"])
                appliedNow.append(migration)
            }
        }
        return appliedNow
    }

    // MARK: Steps

    private var waitingLimits: TransactionLimits {
        // No statement timeout: a migration may legitimately run long. The lock wait covers the advisory lock; the
        // migration's own statements get the configured lock timeout back so DDL never queues behind traffic.
        TransactionLimits(
            statementTimeout: .zero,
            lockTimeout: lockWait,
            idleInTransactionTimeout: client.configuration.limits.idleInTransactionTimeout
        )
    }

    private func createTable() async throws {
        try await withLock(file: "schema_migrations") { connection in
            _ = try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version bigint PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
    }

    /// Runs `body` in a transaction that holds the runners' advisory lock. The lock is tried, never waited for inside
    /// a transaction: a runner applying a no-transaction file (`CREATE INDEX CONCURRENTLY`) waits for every open
    /// transaction to end, so a transaction blocked on its lock would deadlock with it (40P01). Each try is a
    /// transaction of one round trip, which that runner's wait lets pass.
    private func withLock<Result>(
        file: String, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let deadline = ContinuousClock.now + lockWait
        while true {
            let result: Result? = try await client.withTransaction(limits: waitingLimits) { connection in
                // A migration may run long: no round-trip deadline.
                connection.roundTripTimeout = nil
                let locked = try await connection.query("SELECT pg_try_advisory_xact_lock(\(Self.lockKey))")
                guard try locked[0].decode(0, as: Bool.self) else { return nil }
                return try await body(connection)
            }
            if let result { return result }
            guard ContinuousClock.now < deadline else { throw MigrationError(.lockTimeout, file: file) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Returns false when another runner applied the file while this one waited for the lock.
    private func applyInTransaction(_ migration: Migration) async throws -> Bool {
        let lockTimeout = String(client.configuration.limits.lockTimeout.milliseconds)
        do {
            return try await withLock(file: migration.fileName) { connection in
                let results = try await connection.pipeline([
                    "SELECT set_config('lock_timeout', \(lockTimeout), true)",
                    "SELECT version, name, checksum, applied_at FROM schema_migrations",
                ])
                guard try Self.stillPending(migration, applied: Self.decodeApplied(results[1])) else { return false }
                try await connection.unsafeExecute(rawSQL: migration.sql)
                try await Self.record(migration, on: connection)
                return true
            }
        } catch let error as PostgresError {
            throw Self.failure(migration, error)
        }
    }

    /// Runs a `-- verifyd:no-transaction` file statement by statement under a session-level advisory lock. The
    /// connection must reach PostgreSQL directly: behind a transaction-pooling pgbouncer a session lock means nothing.
    private func applyOutsideTransaction(_ migration: Migration) async throws -> Bool {
        let deadline = ContinuousClock.now + lockWait
        do {
            return try await client.withConnection { connection in
                connection.roundTripTimeout = nil
                // pg_try_advisory_lock in a loop instead of a blocking wait: no session setting is needed to bound it.
                while try await !connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))")[0].decode(
                    0, as: Bool.self)
                {
                    guard ContinuousClock.now < deadline else {
                        throw MigrationError(.lockTimeout, file: migration.fileName)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let unlock: PostgresQuery = "SELECT pg_advisory_unlock(\(Self.lockKey))"
                do {
                    let applied = try await Self.readApplied(connection, tableMayBeMissing: false)
                    guard try Self.stillPending(migration, applied: applied) else {
                        _ = try? await connection.query(unlock)
                        return false
                    }
                    for statement in SQLStatementSplitter.split(migration.sql) {
                        try await connection.unsafeExecute(rawSQL: statement)
                    }
                    try await Self.record(migration, on: connection)
                } catch {
                    _ = try? await connection.query(unlock)
                    throw error
                }
                _ = try? await connection.query(unlock)
                return true
            }
        } catch let error as PostgresError {
            throw Self.failure(migration, error)
        }
    }

    // MARK: Helpers

    private static func record(_ migration: Migration, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO schema_migrations (version, name, checksum)
            VALUES (\(migration.version), \(migration.name), \(migration.checksum))
            """)
    }

    private static func stillPending(_ migration: Migration, applied: [AppliedMigration]) throws -> Bool {
        guard let existing = applied.first(where: { $0.version == migration.version }) else { return true }
        guard existing.checksum == migration.checksum else {
            throw MigrationError(.checksumMismatch, file: migration.fileName)
        }
        return false
    }

    private static func failure(_ migration: Migration, _ error: PostgresError) -> MigrationError {
        MigrationError(.failed, file: migration.fileName, underlying: error)
    }

    static func readApplied(_ connection: PostgresConnection, tableMayBeMissing: Bool) async throws
        -> [AppliedMigration]
    {
        do {
            return try decodeApplied(
                await connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations"))
        } catch let error as PostgresError where tableMayBeMissing && error.sqlState == "42P01" {
            return []
        }
    }

    private static func decodeApplied(_ rows: PostgresRows) throws -> [AppliedMigration] {
        try rows.map { row in
            AppliedMigration(
                version: try row.decode(0),
                name: try row.decode(1),
                checksum: try row.decode(2),
                appliedAt: try row.decode(3)
            )
        }
    }

    static func compare(_ migrations: [Migration], with applied: [AppliedMigration]) -> MigrationStatus {
        var status = MigrationStatus()
        let appliedByVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        let known = Set(migrations.map(\.version))
        for migration in migrations {
            switch appliedByVersion[migration.version] {
            case nil: status.pending.append(migration)
            case let row? where row.checksum != migration.checksum: status.changed.append(migration)
            case let row?: status.applied.append(row)
            }
        }
        status.unknown = applied.filter { !known.contains($0.version) }.sorted { $0.version < $1.version }
        return status
    }
}
