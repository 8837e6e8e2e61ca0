import Foundation
import Logging
import Postgres

/// A database of its own for one test or suite, created in the throwaway cluster that `scripts/test` starts, so
/// tests running in parallel never see each other's rows.
public struct TestDatabase: Sendable {
    public let name: String
    /// libpq conninfo for this database.
    public let connectionString: String

    /// Creates an empty database with a unique name.
    public static func create() async throws -> TestDatabase {
        let admin = try TestEnvironment.databaseURL
        let name = "verifyd_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await withAdminClient(admin) { client in
            try await client.withConnection { connection in
                // CREATE DATABASE refuses to run in a transaction, so it takes the raw path; the name is ours.
                try await connection.unsafeExecute(rawSQL: "CREATE DATABASE \(name)")
            }
        }
        return TestDatabase(name: name, connectionString: admin + " dbname=\(name)")
    }

    /// The server's TCP port, for tests that put a `TCPProxy` in front of it.
    public var port: Int {
        get throws {
            let value = connectionString.split(separator: " ").last { $0.hasPrefix("port=") }?.dropFirst(5)
            guard let port = value.flatMap({ Int($0) }) else { throw TestEnvironmentError(variable: "port") }
            return port
        }
    }

    /// This database's connection string, with the server reached through `proxy`.
    public func connectionString(through proxy: TCPProxy) -> String {
        connectionString + " port=\(proxy.port)"
    }

    /// A client for this database with test-friendly defaults, changed by `adjust`; the caller closes it.
    public func makeClient(
        poolSize: Int = 4,
        poolTimeout: Duration = .seconds(5),
        limits: TransactionLimits = .init(),
        adjust: (inout PostgresConfiguration) -> Void = { _ in }
    ) -> PostgresClient {
        var configuration = PostgresConfiguration(
            connectionString: connectionString,
            poolSize: poolSize,
            poolTimeout: poolTimeout,
            limits: limits
        )
        adjust(&configuration)
        return PostgresClient(configuration: configuration, logger: Logger(label: "test.postgres"))
    }

    /// Drops the database, ending any session still connected to it.
    public func drop() async throws {
        try await Self.withAdminClient(try TestEnvironment.databaseURL) { client in
            try await client.withConnection { connection in
                try await connection.unsafeExecute(rawSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            }
        }
    }

    /// CREATE and DROP DATABASE copy and remove files and queue behind each other; when a whole test run starts
    /// at once they can take longer than a request's 10 s deadline on a loaded machine (CI saw it), and the test
    /// would fail for its setup. So the admin client waits longer; a database that never answers still fails it.
    private static func withAdminClient(_ url: String, _ body: (PostgresClient) async throws -> Void) async throws {
        var configuration = PostgresConfiguration(connectionString: url, poolSize: 1)
        configuration.roundTripTimeout = .seconds(120)
        try await closing(
            PostgresClient(configuration: configuration, logger: Logger(label: "test.postgres.admin")), body)
    }
}

/// Runs `body` with `client`, then closes it, whatever `body` does.
public func closing<Result>(
    _ client: PostgresClient, _ body: (PostgresClient) async throws -> Result
) async throws -> Result {
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Runs `body` with a fresh database and a client for it, then closes the client and drops the database.
public func withTestDatabase<Result>(
    poolSize: Int = 4,
    poolTimeout: Duration = .seconds(5),
    limits: TransactionLimits = .init(),
    adjust: (inout PostgresConfiguration) -> Void = { _ in },
    _ body: (TestDatabase, PostgresClient) async throws -> Result
) async throws -> Result {
    let database = try await TestDatabase.create()
    let client = database.makeClient(poolSize: poolSize, poolTimeout: poolTimeout, limits: limits, adjust: adjust)
    let result: Result
    do {
        result = try await body(database, client)
    } catch {
        await client.close()
        try? await database.drop()
        throw error
    }
    await client.close()
    try await database.drop()
    return result
}
