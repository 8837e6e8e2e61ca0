import FakeTwilio
import Logging
import Postgres
import TestSupport
import Testing

/// Client-side deadlines: a slow server, a silent path and a host that never answers all end within bounds set by
/// configuration, never by the kernel's TCP retries (15 minutes for data, 2 minutes for a connect).
@Suite("Deadlines")
struct DeadlineTests {
    @Test("a round trip slower than its deadline fails with a timeout, marked possibly committed, and the pool goes on")
    func slowStatement() async throws {
        let limits = TransactionLimits(statementTimeout: .seconds(60))
        let deadline: (inout PostgresConfiguration) -> Void = { $0.roundTripTimeout = .milliseconds(300) }
        try await withTestDatabase(poolSize: 1, limits: limits, adjust: deadline) { _, client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT pg_sleep(30)") }
            #expect(error?.code == .timeout)
            #expect(error?.isUnavailable == true)
            #expect(error?.possiblyCommitted == true, "an implicit transaction may have committed")
            let inTransaction = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { try await $0.query("SELECT pg_sleep(30)") }
            }
            #expect(inTransaction?.code == .timeout)
            #expect(inTransaction?.possiblyCommitted == false, "an open transaction dies with its connection")
            let one = try await client.query("SELECT 1")[0].decode(0, as: Int.self)
            #expect(one == 1)
        }
    }

    @Test("a path that goes silent fails the round trip within its deadline; the pool recovers when the path returns")
    func blackHoledPath() async throws {
        try await withProxiedDatabase { conninfo in
            PostgresConfiguration(connectionString: conninfo, poolSize: 2, roundTripTimeout: .milliseconds(500))
        } _: { _, proxy, client in
            #expect(try await client.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
            proxy.setMode(.blackHole)
            let error = try await withTimeLimit(.seconds(60)) {
                await #expect(throws: PostgresError.self) { try await client.query("SELECT 2") }
            }
            #expect(error?.code == .timeout)
            #expect(error?.isUnavailable == true)
            proxy.setMode(.forward)
            #expect(try await client.query("SELECT 3")[0].decode(0, as: Int.self) == 3)
        }
    }

    @Test("a connect through a path that accepts but never answers ends at connect_timeout")
    func silentStartup() async throws {
        try await withProxiedDatabase(mode: .blackHole) { conninfo in
            PostgresConfiguration(connectionString: conninfo + " connect_timeout=2", poolSize: 1)
        } _: { _, _, client in
            let error = try await withTimeLimit(.seconds(60)) {
                await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            }
            #expect(error?.code == .connectionFailed)
            #expect(error?.isUnavailable == true)
            #expect(error?.description.contains("connect_timeout") == true, "\(String(describing: error))")
        }
    }

    @Test("a connect to a host that never completes the TCP handshake ends at the default connect_timeout")
    func blackHoledHost() async throws {
        let listener = try FakeTwilioSaturatedListener()
        let port = try #require(listener.baseURL.split(separator: ":").last.map(String.init))
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "host=127.0.0.1 port=\(port) user=nobody dbname=nothing", poolSize: 1),
            logger: Logger(label: "test"))
        let error = try await withTimeLimit(.seconds(60)) {
            await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.description.contains("connect_timeout") == true, "\(String(describing: error))")
        await client.close()
        withExtendedLifetime(listener) {}
    }

    @Test("a multi-host string moves past a host that never answers to the next one")
    func multiHostPastASilentHost() async throws {
        let listener = try FakeTwilioSaturatedListener()
        let silentPort = try #require(listener.baseURL.split(separator: ":").last.map(String.init))
        let database = try await TestDatabase.create()
        let conninfo =
            "host=127.0.0.1,127.0.0.1 port=\(silentPort),\(try database.port) user=postgres dbname=\(database.name) "
            + "connect_timeout=2"
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: conninfo, poolSize: 1), logger: Logger(label: "test")
        )
        let name = try await withTimeLimit(.seconds(60)) {
            try await client.query("SELECT current_database()::text")[0].decode(0, as: String.self)
        }
        #expect(name == database.name)
        await client.close()
        try await database.drop()
        withExtendedLifetime(listener) {}
    }
}
