import Logging
import Synchronization
import TestSupport
import Testing

@testable import Postgres

/// Connections come and go on the pool's terms: idle ones are closed, old ones replaced, all idle ones dropped
/// when the server ended its sessions, and a dead server is tried once per backoff step, not once per caller.
@Suite("Pool lifecycle")
struct PoolLifecycleTests {
    /// Backend PIDs of this database's sessions, other than the caller's own.
    func backends(of database: TestDatabase) async throws -> Set<Int> {
        let observer = database.makeClient(poolSize: 1)
        let rows = try await observer.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        await observer.close()
        return Set(try rows.map { try $0.decode(0, as: Int.self) })
    }

    /// Runs `body` on `count` connections at once, so that each is idle in the pool afterwards.
    func warm(
        _ client: PostgresClient, _ count: Int,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Void = { _ in }
    ) async throws {
        let gate = AsyncGate()
        let leased = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await client.withConnection { connection in
                        try await body(connection)
                        leased.value.add(1, ordering: .relaxed)
                        await gate.wait()
                    }
                }
            }
            #expect(await eventually { leased.value.load(ordering: .relaxed) == count })
            gate.open()
            try await group.waitForAll()
        }
    }

    @Test("an idle connection unused for the idle timeout is closed")
    func idleEviction() async throws {
        let settings: (inout PostgresConfiguration) -> Void = { $0.idleTimeout = .milliseconds(200) }
        try await withTestDatabase(poolSize: 2, adjust: settings) { database, client in
            let pid = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            #expect(await eventually { client.pool.idleCount == 0 })
            #expect(try await eventually { try await !backends(of: database).contains(pid) })
            #expect(try await client.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test("a connection in constant use is replaced once it reaches its maximum lifetime")
    func maximumLifetime() async throws {
        let settings: (inout PostgresConfiguration) -> Void = { $0.maxLifetime = .milliseconds(300) }
        try await withTestDatabase(poolSize: 1, adjust: settings) { _, client in
            let first = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            let replaced = try await eventually {
                try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self) != first
            }
            #expect(replaced)
        }
    }

    @Test("after one connection sees a read-only error (25006, a failover) every idle connection is dropped")
    func readOnlyDropsEveryIdleConnection() async throws {
        try await withTestDatabase(poolSize: 4) { _, client in
            try await client.query("CREATE TABLE items (n int)")
            // Four connections, each turned read-only as the old primary's sessions look after a failover.
            try await warm(client, 4) { connection in
                try await connection.unsafeExecute(rawSQL: "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            }
            #expect(client.pool.idleCount == 4)
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO items VALUES (1)")
            }
            #expect(error?.sqlState == "25006")
            #expect(error?.isUnavailable == true)
            #expect(client.pool.idleCount == 0)
            for value in 2...5 { try await client.query("INSERT INTO items VALUES (\(value))") }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 4)
        }
    }

    @Test("after a lease sees its backend terminated (57P01) every idle connection is dropped")
    func terminationDropsEveryIdleConnection() async throws {
        try await withTestDatabase(poolSize: 4) { database, client in
            try await warm(client, 4)
            #expect(client.pool.idleCount == 4)
            let admin = database.makeClient(poolSize: 1)
            let error = await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    try await connection.query("SELECT 1")
                    // Every session of this database ends, as at a server restart; the lease finds out first.
                    try await admin.query(
                        """
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = \(database.name) AND backend_type = 'client backend'
                            AND pid <> pg_backend_pid()
                        """)
                    try await Task.sleep(for: .milliseconds(200))
                    try await connection.query("SELECT 2")
                }
            }
            await admin.close()
            #expect(error?.sqlState == "57P01")
            #expect(client.pool.idleCount == 0)
            #expect(try await client.query("SELECT 3")[0].decode(0, as: Int.self) == 3)
        }
    }

    @Test("a server that refuses connections is tried once per backoff step, however many callers wait")
    func backoffSharedByWaiters() async throws {
        try await withProxiedDatabase(mode: .refuse) { conninfo in
            PostgresConfiguration(
                connectionString: conninfo, poolSize: 2, poolTimeout: .seconds(60),
                reconnectBackoff: .seconds(30)...(.seconds(30)))
        } _: { _, proxy, client in
            let failures = await withTaskGroup(of: PostgresError?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            try await client.query("SELECT 1")
                            return nil
                        } catch {
                            return error as? PostgresError
                        }
                    }
                }
                return await group.reduce(into: [PostgresError]()) { if let error = $1 { $0.append(error) } }
            }
            #expect(failures.count == 20)
            #expect(failures.allSatisfy { $0.code == .connectionFailed && $0.isUnavailable })
            #expect(proxy.accepted <= 2, "\(proxy.accepted) connects for 20 callers")
            // Until the backoff is over nobody tries again, and every caller hears so at once.
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error?.retryAfter.map { $0 > .seconds(1) } == true)
            #expect(proxy.accepted <= 2)
        }
    }

    @Test("once the backoff has passed, one connect succeeds and the pool serves again")
    func recoversAfterBackoff() async throws {
        try await withProxiedDatabase(mode: .refuse) { conninfo in
            PostgresConfiguration(
                connectionString: conninfo, poolSize: 2, reconnectBackoff: .milliseconds(100)...(.milliseconds(400)))
        } _: { _, proxy, client in
            await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            proxy.setMode(.forward)
            #expect(await eventually { (try? await client.query("SELECT 1")) != nil })
        }
    }

    /// `/readyz` asks on the probe connection; a request that follows a ready answer must not then wait out the
    /// request pool's backoff from the outage.
    @Test("a probe that connects ends the request pool's backoff: the next request connects at once")
    func probeEndsBackoff() async throws {
        try await withProxiedDatabase(mode: .refuse) { conninfo in
            PostgresConfiguration(
                connectionString: conninfo, poolSize: 2, reconnectBackoff: .seconds(30)...(.seconds(30)))
        } _: { _, proxy, client in
            await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            proxy.setMode(.forward)
            let probed = try await client.withProbeConnection(timeout: .seconds(10)) {
                try await $0.query("SELECT 2")[0].decode(0, as: Int.self)
            }
            #expect(probed == 2)
            #expect(try await client.query("SELECT 3")[0].decode(0, as: Int.self) == 3)
        }
    }
}

private final class Counter: Sendable {
    let value = Atomic(0)
}
