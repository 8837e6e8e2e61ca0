import TestSupport
import Testing

@testable import Postgres

@Suite("Transactions")
struct TransactionTests {
    struct Boom: Error {}

    @Test("a transaction commits on return and rolls back on throw")
    func commitAndRollback() async throws {
        try await withTestDatabase { _, client in
            try await client.query("CREATE TABLE items (name text)")
            try await client.withTransaction { try await $0.query("INSERT INTO items VALUES ('kept')") }
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('dropped')")
                    throw Boom()
                }
            }
            let names = try await client.query("SELECT name FROM items").map { try $0.decode(0, as: String.self) }
            #expect(names == ["kept"])
        }
    }

    @Test("a transaction that throws leaves no open transaction on its connection")
    func noTransactionLeftOpen() async throws {
        try await withTestDatabase(poolSize: 1) { database, client in
            try await client.query("CREATE TABLE items (name text)")
            var backend = 0
            do {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('x')")
                    throw Boom()
                }
            } catch is Boom {}
            backend = try await client.query("SELECT pg_backend_pid()")[0].decode(0)
            let observer = database.makeClient(poolSize: 1)
            let state = try await observer.query(
                "SELECT state, backend_xid IS NULL FROM pg_stat_activity WHERE pid = \(backend)")
            await observer.close()
            #expect(try state[0].decode(0, as: String.self) == "idle")
            #expect(try state[0].decode(1, as: Bool.self))
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test("a statement error swallowed inside a transaction is not reported as a commit")
    func swallowedError() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            let error = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('a')")
                    _ = try? await connection.query("INSERT INTO items VALUES ('a')")
                }
            }
            #expect(error?.code == .transactionAborted)
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test("statements in one pipeline apply together or not at all")
    func pipelineAtomicity() async throws {
        try await withTestDatabase { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    try await connection.pipeline(["INSERT INTO items VALUES ('a')", "INSERT INTO items VALUES ('a')"])
                }
            }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test("pipeline(commit:) commits in the same round trip: a throw after it rolls nothing back")
    func committingPipeline() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text)")
            await #expect(throws: Boom.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('first')")
                    let rows = try await connection.pipeline(
                        ["INSERT INTO items VALUES ('second')", "SELECT count(*) FROM items"], commit: true)
                    #expect(rows.count == 2)
                    #expect(try rows[1][0].decode(0, as: Int.self) == 2)
                    throw Boom()
                }
            }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 2)
            // The connection went back to the pool idle and works.
            #expect(try await client.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test("a failing statement in a committing pipeline rolls back the whole transaction")
    func committingPipelineFails() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('a')")
                    try await connection.pipeline(
                        ["INSERT INTO items VALUES ('b')", "INSERT INTO items VALUES ('a')"], commit: true)
                }
            }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
            #expect(try await client.query("SELECT 1")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test("a transaction whose only statements go in one committing pipeline is one round trip and commits")
    func committingPipelineOnly() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text)")
            let rows = try await client.withTransaction { connection in
                try await connection.pipeline(["INSERT INTO items VALUES ('a') RETURNING name"], commit: true)[0]
            }
            #expect(try rows[0].decode("name", as: String.self) == "a")
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 1)
        }
    }
}

@Suite("Commit with the last statements")
struct CommitPipelineTests {
    @Test("a locked read, then the writes with COMMIT: two round trips, and the writes are committed")
    func twoRoundTrips() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE counters (id int PRIMARY KEY, n int)")
            try await client.query("INSERT INTO counters VALUES (1, 0)")
            let roundTrips = try await client.withTransaction { connection in
                let n = try await connection.query("SELECT n FROM counters WHERE id = 1 FOR UPDATE")[0].decode(
                    0, as: Int.self)
                try await connection.pipeline(
                    ["UPDATE counters SET n = \(n + 1) WHERE id = 1", "UPDATE counters SET n = n * 10 WHERE id = 1"],
                    commit: true)
                return connection.roundTripsThisLease
            }
            #expect(roundTrips == 2)
            #expect(try await client.query("SELECT n FROM counters")[0].decode(0, as: Int.self) == 10)
        }
    }

    @Test("a failing statement before COMMIT rolls everything back; nothing may run after COMMIT")
    func failureAndAfterwards() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES ('a')")
                    try await connection.pipeline(["INSERT INTO items VALUES ('a')"], commit: true)
                }
            }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
            let after = await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.pipeline(["INSERT INTO items VALUES ('b')"], commit: true)
                    try await connection.query("INSERT INTO items VALUES ('c')")
                }
            }
            #expect(after?.code == .invalidQuery)
            let names = try await client.query("SELECT name FROM items").map { try $0.decode(0, as: String.self) }
            #expect(names == ["b"], "the committed write stays; the one after COMMIT never ran")
        }
    }

    @Test("the client's pipeline is one implicit transaction in one round trip")
    func clientPipeline() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (name text UNIQUE)")
            await #expect(throws: PostgresError.self) {
                try await client.pipeline(["INSERT INTO items VALUES ('a')", "INSERT INTO items VALUES ('a')"])
            }
            let rows = try await client.pipeline(["INSERT INTO items VALUES ('b')", "SELECT count(*) FROM items"])
            #expect(try rows[1][0].decode(0, as: Int.self) == 1)
        }
    }
}
