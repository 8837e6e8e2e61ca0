import Logging
import Postgres
import TestSupport
import Testing

@Suite("Connection pool")
struct ConnectionPoolTests {
    @Test("200 concurrent queries through a pool of 8 all succeed")
    func concurrentQueries() async throws {
        try await withTestDatabase(poolSize: 8) { _, client in
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for number in 1...200 {
                    group.addTask {
                        try await client.query("SELECT \(number) + 0, pg_sleep(0.001)")[0].decode(0, as: Int.self)
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == (1...200).reduce(0, +))
            let backends = try await client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")[0].decode(0, as: Int.self)
            #expect(backends <= 8)
        }
    }

    @Test("a caller waiting past the pool timeout gets poolTimeout")
    func exhaustion() async throws {
        try await withTestDatabase(poolSize: 1, poolTimeout: .milliseconds(200)) { _, client in
            let held = await HeldConnection.hold(client)
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error?.code == .poolTimeout)
            #expect(error?.isUnavailable == true)
            #expect(error?.description.contains("all 1 connections are in use") == true)
            try await held.release()
            // The pool recovers once the connection comes back.
            #expect(try await client.query("SELECT 7")[0].decode(0, as: Int.self) == 7)
        }
    }

    @Test("after pg_terminate_backend of every pooled backend the next queries succeed")
    func terminatedBackends() async throws {
        try await withTestDatabase(poolSize: 4) { database, client in
            // Open all four connections at once so that each is in the pool.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await client.query("SELECT pg_sleep(0.2)") } }
                try await group.waitForAll()
            }
            let admin = database.makeClient(poolSize: 1)
            let terminated = try await admin.query(
                """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                """)[0].decode(0, as: Int.self)
            await admin.close()
            #expect(terminated == 4)
            try await Task.sleep(for: .milliseconds(50))
            for number in 0..<20 {
                #expect(try await client.query("SELECT \(number) + 1")[0].decode(0, as: Int.self) == number + 1)
            }
        }
    }

    @Test("a statement past the statement timeout fails cleanly and the pool keeps working")
    func statementTimeout() async throws {
        let limits = TransactionLimits(statementTimeout: .milliseconds(100))
        try await withTestDatabase(poolSize: 1, limits: limits) { _, client in
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT pg_sleep(2)") }
            #expect(error?.sqlState == "57014")
            let inTransaction = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { try await $0.query("SELECT pg_sleep(2)") }
            }
            #expect(inTransaction?.sqlState == "57014")
            let one = try await client.query("SELECT 1")[0].decode(0, as: Int.self)
            #expect(one == 1)
        }
    }

    @Test("a lock wait past the lock timeout fails with 55P03")
    func lockTimeout() async throws {
        let limits = TransactionLimits(lockTimeout: .milliseconds(100))
        try await withTestDatabase(poolSize: 2, limits: limits) { _, client in
            try await client.query("CREATE TABLE counters (id int PRIMARY KEY, n int)")
            try await client.query("INSERT INTO counters VALUES (1, 0)")
            let locked = AsyncGate()
            let release = AsyncGate()
            let holder = Task {
                try await client.withTransaction { connection in
                    try await connection.query("UPDATE counters SET n = n + 1 WHERE id = 1")
                    locked.open()
                    await release.wait()
                }
            }
            await locked.wait()
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("UPDATE counters SET n = n + 1 WHERE id = 1")
            }
            #expect(error?.sqlState == "55P03")
            release.open()
            try await holder.value
        }
    }

    @Test("limits are transaction-local and never leak into the session")
    func limitsStayLocal() async throws {
        let limits = TransactionLimits(statementTimeout: .milliseconds(1234))
        try await withTestDatabase(poolSize: 1, limits: limits) { _, client in
            let inside = try await client.query("SELECT current_setting('statement_timeout')")[0].decode(
                0, as: String.self)
            #expect(inside == "1234ms")
            let after = try await client.withConnection { connection in
                try await connection.unsafeExecute(
                    rawSQL: "CREATE TEMP TABLE probe AS SELECT current_setting('statement_timeout') AS v")
                return try await connection.query("SELECT v FROM probe")[0].decode(0, as: String.self)
            }
            #expect(after == "0")
        }
    }

    @Test("fallback_application_name is verifyd unless the connection string names one")
    func applicationName() async throws {
        let database = try await TestDatabase.create()
        let plain = database.makeClient(poolSize: 1)
        let named = PostgresClient(
            configuration: PostgresConfiguration(connectionString: database.connectionString + " application_name=ops"),
            logger: .init(label: "test")
        )
        let plainName = try await plain.query("SELECT current_setting('application_name')")[0].decode(
            0, as: String.self)
        let operatorName = try await named.query("SELECT current_setting('application_name')")[0].decode(
            0, as: String.self)
        await plain.close()
        await named.close()
        try await database.drop()
        #expect(plainName == "verifyd")
        #expect(operatorName == "ops")
    }

    @Test("errors of the statement itself are not 'unavailable', so HTTP does not answer them with 503")
    func ordinaryErrorsAreNotUnavailable() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            try await client.query("INSERT INTO items VALUES ('a')")
            let duplicate = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO items VALUES ('a')")
            }
            let syntax = await #expect(throws: PostgresError.self) { try await client.query("SELEC 1") }
            for error in [duplicate, syntax] {
                #expect(error?.isUnavailable == false)
                #expect(error?.retryAfter == nil)
                #expect(error?.possiblyCommitted == false)
            }
        }
    }

    @Test("a closed pool refuses work")
    func closedPool() async throws {
        let database = try await TestDatabase.create()
        let client = database.makeClient()
        try await client.query("SELECT 1")
        await client.close()
        let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(error?.code == .poolClosed)
        #expect(error?.isUnavailable == true)
        try await database.drop()
    }

    @Test("an unreachable server gives connectionFailed without leaking the slot")
    func connectionFailure() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "host=127.0.0.1 port=1 connect_timeout=2 user=nobody dbname=nothing",
                poolSize: 1,
                poolTimeout: .milliseconds(500)
            ),
            logger: .init(label: "test")
        )
        for _ in 0..<3 {
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error?.code == .connectionFailed)
        }
        await client.close()
    }
}
