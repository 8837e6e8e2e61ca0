import Logging
import Postgres

/// Runs `body` with a fresh database, a `TCPProxy` in front of it (in `mode`) and a client that connects through the
/// proxy, made with `configuration`; closes and drops everything afterwards.
public func withProxiedDatabase<Result>(
    mode: TCPProxy.Mode = .forward,
    configuration: (_ connectionString: String) -> PostgresConfiguration,
    _ body: (TestDatabase, TCPProxy, PostgresClient) async throws -> Result
) async throws -> Result {
    let database = try await TestDatabase.create()
    let proxy = try await TCPProxy.start(forwardingTo: "127.0.0.1", port: try database.port)
    proxy.setMode(mode)
    let client = PostgresClient(
        configuration: configuration(database.connectionString(through: proxy)), logger: .init(label: "test.proxied"))
    let result: Result
    do {
        result = try await body(database, proxy, client)
    } catch {
        await client.close()
        await proxy.close()
        try? await database.drop()
        throw error
    }
    await client.close()
    await proxy.close()
    try await database.drop()
    return result
}

/// One of a client's connections, held by a lease until `release()`: a saturated pool for tests.
public final class HeldConnection: Sendable {
    private let released: AsyncGate
    private let lease: Task<Void, any Error>

    private init(released: AsyncGate, lease: Task<Void, any Error>) {
        self.released = released
        self.lease = lease
    }

    /// Returns once the lease holds a connection of `client`.
    public static func hold(_ client: PostgresClient) async -> HeldConnection {
        let held = AsyncGate()
        let released = AsyncGate()
        let lease = Task {
            try await client.withConnection { _ in
                held.open()
                await released.wait()
            }
        }
        await held.wait()
        return HeldConnection(released: released, lease: lease)
    }

    /// Ends the lease and returns once the connection is back.
    public func release() async throws {
        released.open()
        try await lease.value
    }
}
