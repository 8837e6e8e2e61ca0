import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@Suite("Connection strings and broken connections")
struct ConnectionStringTests {
    /// The `key=value` pairs of a conninfo string.
    static func pairs(_ conninfo: String) -> [String: String] {
        Dictionary(
            conninfo.split(separator: " ").compactMap { pair -> (String, String)? in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { _, last in last })
    }

    func query(_ conninfo: String, _ sql: PostgresQuery) async throws -> String {
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: conninfo, poolSize: 1), logger: Logger(label: "test")
        )
        do {
            let value = try await client.query(sql)[0].decode(0, as: String.self)
            await client.close()
            return value
        } catch {
            await client.close()
            throw error
        }
    }

    @Test("a URI works as psql takes it, and a multi-host string skips a dead host for the read-write one")
    func uriAndMultiHost() async throws {
        let database = try await TestDatabase.create()
        let parts = Self.pairs(database.connectionString)
        let host = try #require(parts["host"])
        let port = try #require(parts["port"])
        let user = parts["user"] ?? "postgres"
        let encodedHost = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        let uri = "postgresql://\(user)@/\(database.name)?host=\(encodedHost)&port=\(port)&application_name=uri"
        #expect(try await query(uri, "SELECT current_setting('application_name')") == "uri")
        let multiHost =
            "host=127.0.0.1,\(host) port=1,\(port) user=\(user) dbname=\(database.name) "
            + "target_session_attrs=read-write connect_timeout=2"
        #expect(try await query(multiHost, "SELECT current_database()::text") == database.name)
        try await database.drop()
    }

    @Test("a connection that turned read-only (25006, as after a failover) is dropped and the next query works")
    func readOnlyConnectionIsReplaced() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (n int)")
            try await client.withConnection { connection in
                // What a standby looks like to a connection that used to reach the primary.
                try await connection.unsafeExecute(rawSQL: "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            }
            let error = await #expect(throws: PostgresError.self) {
                try await client.query("INSERT INTO items VALUES (1)")
            }
            #expect(error?.sqlState == "25006")
            #expect(error?.breaksConnection == true)
            try await client.query("INSERT INTO items VALUES (2)")
            let rows = try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self)
            #expect(rows == 1)
        }
    }

    @Test("a transaction left idle past the idle-in-transaction timeout is ended by the server, and the pool recovers")
    func idleInTransactionTimeout() async throws {
        let limits = TransactionLimits(idleInTransactionTimeout: .milliseconds(100))
        try await withTestDatabase(poolSize: 1, limits: limits) { _, client in
            await #expect(throws: PostgresError.self) {
                try await client.withTransaction { connection in
                    try await connection.query("SELECT 1")
                    try await Task.sleep(for: .milliseconds(500))
                    try await connection.query("SELECT 2")
                }
            }
            let value = try await client.query("SELECT 3")[0].decode(0, as: Int.self)
            #expect(value == 3)
        }
    }
}
