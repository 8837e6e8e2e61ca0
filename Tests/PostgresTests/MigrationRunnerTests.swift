import Logging
import Postgres
import TestSupport
import Testing

@Suite("Migration runner")
struct MigrationRunnerTests {
    static func migration(_ fileName: String, _ sql: String) throws -> Migration {
        try Migration(fileName: fileName, contents: Array(sql.utf8))
    }

    static let first = try! migration(
        "0001_items.sql", "CREATE TABLE items (id int PRIMARY KEY);\nCREATE INDEX ON items (id);")
    static let second = try! migration("0002_more.sql", "ALTER TABLE items ADD COLUMN name text;")

    func runner(_ client: PostgresClient, _ migrations: [Migration]) throws -> MigrationRunner {
        try MigrationRunner(client: client, migrations: migrations, logger: Logger(label: "test.migrate"))
    }

    @Test("file names give version and name; bad names and duplicate versions are refused")
    func parsing() throws {
        #expect(Self.first.version == 1)
        #expect(Self.first.name == "items")
        #expect(Self.first.checksum.count == 64)
        #expect(throws: MigrationError.self) { try Self.migration("init.sql", "") }
        #expect(throws: MigrationError.self) { try Self.migration("0003_x.txt", "") }
        #expect(throws: MigrationError.self) {
            try Migration.ordered([Self.first, Self.migration("0001_again.sql", "SELECT 1")])
        }
        let marked = try Self.migration(
            "0004_idx.sql", "-- verifyd:no-transaction\r\nCREATE INDEX CONCURRENTLY x ON t (a);")
        #expect(marked.runsOutsideTransaction)
        #expect(!Self.first.runsOutsideTransaction)
    }

    @Test("status lists pending, then applied; migrate applies each file once")
    func applyAndStatus() async throws {
        try await withTestDatabase { _, client in
            let runner = try runner(client, [Self.first, Self.second])
            let before = try await runner.status()
            #expect(before.pending.map(\.version) == [1, 2])
            #expect(!before.isCurrent)
            #expect(try await runner.migrate().map(\.version) == [1, 2])
            #expect(try await runner.migrate().isEmpty)
            let after = try await runner.status()
            #expect(after.isCurrent)
            #expect(after.applied.map(\.version) == [1, 2])
            #expect(after.applied.map(\.checksum) == [Self.first.checksum, Self.second.checksum])
        }
    }

    @Test("five runners started at once apply every file exactly once")
    func concurrentRunners() async throws {
        try await withTestDatabase { database, _ in
            let slow = try Self.migration("0003_slow.sql", "SELECT pg_sleep(0.3); CREATE TABLE slow (x int);")
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let client = database.makeClient(poolSize: 1)
                        defer { Task { await client.close() } }
                        return try await runner(client, [Self.first, Self.second, slow]).migrate().map(\.version)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == [1, 2, 3])
            let client = database.makeClient(poolSize: 1)
            let rows = try await client.query("SELECT version FROM schema_migrations ORDER BY version")
            await client.close()
            #expect(try rows.map { try $0.decode(0, as: Int.self) } == [1, 2, 3])
        }
    }

    @Test("a file changed after it was applied is refused by name")
    func tamperedChecksum() async throws {
        try await withTestDatabase { _, client in
            try await runner(client, [Self.first]).migrate()
            let edited = try Self.migration("0001_items.sql", "CREATE TABLE items (id bigint PRIMARY KEY);")
            let runner = try runner(client, [edited, Self.second])
            let error = await #expect(throws: MigrationError.self) { try await runner.migrate() }
            #expect(error?.code == .checksumMismatch)
            #expect(error?.description.contains("0001_items.sql") == true)
            #expect(try await runner.status().changed.map(\.fileName) == ["0001_items.sql"])
            // Nothing after the changed file ran.
            let columns = try await client.query(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items'")[0].decode(0, as: Int.self)
            #expect(columns == 1)
        }
    }

    @Test("a failing migration leaves nothing behind and a corrected file applies")
    func failingMigration() async throws {
        try await withTestDatabase { _, client in
            let broken = try Self.migration("0002_more.sql", "CREATE TABLE half (x int);\nALTER TABLE nope ADD y int;")
            let error = await #expect(throws: MigrationError.self) {
                try await runner(client, [Self.first, broken]).migrate()
            }
            #expect(error?.code == .failed)
            #expect(error?.underlying?.sqlState == "42P01")
            let half = try await client.query("SELECT to_regclass('half') IS NULL")[0].decode(0, as: Bool.self)
            #expect(half)
            let status = try await runner(client, [Self.first, broken]).status()
            #expect(status.applied.map(\.version) == [1])
            #expect(status.pending.map(\.version) == [2])
            #expect(try await runner(client, [Self.first, Self.second]).migrate().map(\.version) == [2])
        }
    }

    @Test("versions this binary does not know are reported, not fatal")
    func unknownVersions() async throws {
        try await withTestDatabase { _, client in
            try await runner(client, [Self.first, Self.second]).migrate()
            let older = try runner(client, [Self.first])
            let status = try await older.status()
            #expect(status.isCurrent)
            #expect(status.unknown.map(\.version) == [2])
            #expect(try await older.migrate().isEmpty)
        }
    }

    @Test("a no-transaction file runs CREATE INDEX CONCURRENTLY statement by statement")
    func outsideTransaction() async throws {
        try await withTestDatabase { _, client in
            let concurrent = try Self.migration(
                "0002_index.sql",
                """
                -- verifyd:no-transaction
                DROP INDEX CONCURRENTLY IF EXISTS items_name;
                ALTER TABLE items ADD COLUMN name text;
                CREATE INDEX CONCURRENTLY items_name ON items (name);
                """)
            #expect(try await runner(client, [Self.first, concurrent]).migrate().map(\.version) == [1, 2])
            let exists = try await client.query("SELECT to_regclass('items_name') IS NOT NULL")[0].decode(
                0, as: Bool.self)
            #expect(exists)
            let locks = try await client.query(
                """
                SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                WHERE l.locktype = 'advisory' AND d.datname = current_database()
                """)
            #expect(try locks[0].decode(0, as: Int.self) == 0)
        }
    }
}
