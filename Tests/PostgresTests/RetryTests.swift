import Synchronization
import TestSupport
import Testing

@testable import Postgres

@Suite("Retrying on a fresh connection")
struct RetryTests {
    @Test("a backend terminated after the connection was lent is replaced and the work runs again")
    func retriesWhenTheServerEndedTheSessionFirst() async throws {
        let runs = Atomic<Int>(0)
        let value = try await withTestDatabase(poolSize: 1) { database, client in
            let pid = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            let admin = database.makeClient(poolSize: 1)
            let value = try await client.withConnection { connection in
                if runs.add(1, ordering: .relaxed).newValue == 1 {
                    // The lent connection passed its check; now its backend is ended before it is used.
                    try await admin.query("SELECT pg_terminate_backend(\(pid)::integer)")
                    try await Task.sleep(for: .milliseconds(200))
                }
                return try await connection.query("SELECT 41 + 1")[0].decode(0, as: Int.self)
            }
            await admin.close()
            return value
        }
        #expect(value == 42)
        #expect(runs.load(ordering: .relaxed) == 2)
    }

    @Test("a first statement that may have reached the server is not run again")
    func doesNotRetryAnAmbiguousFirstStatement() async throws {
        let runs = Atomic<Int>(0)
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE hits (n int)")
            let error = await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    runs.add(1, ordering: .relaxed)
                    // libpq reports a write failure only when it reads, so the client cannot tell what arrived.
                    connection.breakSocketForTesting()
                    try await connection.query("INSERT INTO hits VALUES (1)")
                }
            }
            #expect(error?.code == .connectionLost)
            let rows = try await client.query("SELECT count(*) FROM hits")[0].decode(0, as: Int.self)
            #expect(rows == 0)
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test("a failure after a statement reached the server is not retried")
    func doesNotRetryAfterSending() async throws {
        let runs = Atomic<Int>(0)
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE hits (n int)")
            let error = await #expect(throws: PostgresError.self) {
                try await client.withConnection { connection in
                    runs.add(1, ordering: .relaxed)
                    try await connection.query("INSERT INTO hits VALUES (1)")
                    connection.breakSocketForTesting()
                    try await connection.query("INSERT INTO hits VALUES (2)")
                }
            }
            #expect(error?.code == .connectionLost)
            let rows = try await client.query("SELECT count(*) FROM hits")[0].decode(0, as: Int.self)
            #expect(rows == 1, "the first insert committed and was not repeated")
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test("a statement whose connection is cut once the server has it is reported as possibly committed")
    func cutAfterDelivery() async throws {
        try await withProxiedDatabase { conninfo in
            PostgresConfiguration(connectionString: conninfo, poolSize: 1)
        } _: { database, proxy, client in
            try await client.query("CREATE TABLE hits (n int)")
            proxy.cut(whenClientSends: "INSERT INTO hits", deliverFirst: true)
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO hits VALUES (1)")
            }
            // libpq reports the cut as an error result of its own; the round trip knows the statement was sent.
            #expect(error?.code == .connectionLost)
            #expect(error?.possiblyCommitted == true, "\(String(describing: error))")
            let direct = database.makeClient(poolSize: 1)
            let rows = try await closing(direct) {
                try await $0.query("SELECT count(*) FROM hits")[0].decode(0, as: Int.self)
            }
            #expect(rows == 1, "the server ran the statement it received")
        }
    }
}
