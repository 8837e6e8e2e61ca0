import TestSupport
import Testing

@testable import Postgres

/// Prepared statements by setting: off sends unnamed statements only (what pgbouncer 1.18 in transaction mode
/// accepts), on prepares each SQL text once per connection, in the round trip of its first execution.
@Suite("Prepared statements")
struct PreparedStatementTests {
    /// Names and SQL of the statements the connection's session has prepared.
    static func prepared(on connection: PostgresConnection) async throws -> [String: String] {
        let rows = try await connection.query("SELECT name, statement FROM pg_prepared_statements")
        return Dictionary(
            uniqueKeysWithValues: try rows.map {
                (try $0.decode(0, as: String.self), try $0.decode(1, as: String.self))
            })
    }

    @Test(
        "both settings give the same answers, also for a statement that fails and one whose types change",
        arguments: [false, true])
    func sameAnswers(prepared: Bool) async throws {
        let settings: (inout PostgresConfiguration) -> Void = { $0.preparedStatements = prepared }
        try await withTestDatabase(poolSize: 1, adjust: settings) { _, client in
            try await client.query("CREATE TABLE items (n int PRIMARY KEY, name text)")
            for n in 1...3 { try await client.query("INSERT INTO items VALUES (\(n), \("item \(n)"))") }
            await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO items VALUES (\(1), \("again"))")
            }
            try await client.query("INSERT INTO items VALUES (\(4), \("item 4"))")
            let names = try await client.withTransaction { connection in
                try await connection.pipeline([
                    "SELECT name FROM items WHERE n = \(2)", "SELECT name FROM items WHERE n = \(2)",
                ]).map { try $0[0].decode(0, as: String.self) }
            }
            #expect(names == ["item 2", "item 2"])
            // The same SQL text with another parameter type cannot use the statement prepared for the first.
            let whole = try await client.query("SELECT \(7) + 1")[0].decode(0, as: Int.self)
            let fraction = try await client.query("SELECT \(7.5) + 1")[0].decode(0, as: Double.self)
            #expect(whole == 8 && fraction == 8.5)
            await #expect(throws: PostgresError.self) { try await client.query("SELEC 1") }
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 4)
        }
    }

    @Test("off: nothing is ever prepared under a name")
    func offPreparesNothing() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            let names = try await client.withConnection { connection in
                for _ in 0..<3 { try await connection.query("SELECT 1") }
                return try await Self.prepared(on: connection)
            }
            #expect(names.isEmpty)
        }
    }

    @Test("on: each statement is prepared once per connection and reused, a failed Parse is not remembered")
    func onPreparesOnce() async throws {
        let settings: (inout PostgresConfiguration) -> Void = { $0.preparedStatements = true }
        try await withTestDatabase(poolSize: 1, adjust: settings) { _, client in
            let names = try await client.withConnection { connection in
                for n in 0..<3 { try await connection.query("SELECT \(n) + 1") }
                await #expect(throws: PostgresError.self) { try await connection.query("SELEC \(1)") }
                return try await Self.prepared(on: connection)
            }
            let statements = Set(names.values)
            #expect(statements.contains("SELECT $1 + 1"))
            #expect(!statements.contains { $0.hasPrefix("SELEC ") })
            #expect(names.count == statements.count, "no statement prepared twice: \(names)")
            let again = try await client.withConnection { try await Self.prepared(on: $0) }
            #expect(again == names, "the next lease of the same connection prepared nothing new")
        }
    }
}
