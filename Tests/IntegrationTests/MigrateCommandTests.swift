import Foundation
import TestSupport
import Testing

@Suite("verifyd migrate")
struct MigrateCommandTests {
    /// A folder of migration files for one test, seeded with the repository's.
    func migrationsCopy() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: IntegrationFixture.migrationsDirectory) {
            try FileManager.default.copyItem(
                atPath: IntegrationFixture.migrationsDirectory + "/" + file,
                toPath: folder.appendingPathComponent(file).path)
        }
        return folder
    }

    @Test("five migrate processes started at once on an empty database apply every file exactly once")
    func concurrentProcesses() async throws {
        let database = try await TestDatabase.create()
        let environment = VerifydEnvironment(databaseURL: database.connectionString).values
        let results = try await withThrowingTaskGroup(of: (status: Int32, output: String).self) { group in
            for _ in 0..<5 { group.addTask { try await VerifydProcess.run(["migrate"], environment: environment) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: IntegrationFixture.migrationsDirectory)
            .filter { $0.hasSuffix(".sql") }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.output))")
        let applied = results.flatMap { $0.output.split(separator: "\n").filter { $0.hasPrefix("applied  ") } }
        #expect(applied.count == files.count)
        let rows = try await IntegrationFixture.scalar(database, "SELECT count(*) FROM schema_migrations")
        #expect(rows == String(files.count))
        try await database.drop()
    }

    @Test("--status exits 1 while something is pending, 0 when current, 2 on error")
    func statusExitCodes() async throws {
        let database = try await TestDatabase.create()
        let environment = VerifydEnvironment(databaseURL: database.connectionString).values
        let pending = try await VerifydProcess.run(["migrate", "--status"], environment: environment)
        #expect(pending.status == 1)
        #expect(pending.output.contains("pending  0001_"))
        #expect(try await VerifydProcess.run(["migrate"], environment: environment).status == 0)
        let current = try await VerifydProcess.run(["migrate", "--status"], environment: environment)
        #expect(current.status == 0)
        #expect(current.output.contains("applied  0001_"))
        var unreachable = environment
        unreachable["DATABASE_URL"] = "host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2"
        #expect(try await VerifydProcess.run(["migrate", "--status"], environment: unreachable).status == 2)
        try await database.drop()
    }

    @Test("a file changed after it was applied is refused, naming the file")
    func changedFile() async throws {
        let database = try await TestDatabase.create()
        let folder = try migrationsCopy()
        let environment = VerifydEnvironment(databaseURL: database.connectionString).values
        let arguments = ["migrate", "--migrations-dir", folder.path]
        #expect(try await VerifydProcess.run(arguments, environment: environment).status == 0)
        let first = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()[0]
        let handle = try FileHandle(forWritingTo: folder.appendingPathComponent(first))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n-- edited\n".utf8))
        try handle.close()
        let refused = try await VerifydProcess.run(arguments, environment: environment)
        #expect(refused.status == 2)
        #expect(refused.output.contains(first))
        #expect(refused.output.contains("changed after it was applied"))
        let status = try await VerifydProcess.run(arguments + ["--status"], environment: environment)
        #expect(status.status == 1)
        #expect(status.output.contains("changed  \(first)"))
        try await database.drop()
    }

    @Test("a failing migration applies nothing and a corrected rerun succeeds")
    func failingMigration() async throws {
        let database = try await TestDatabase.create()
        let folder = try migrationsCopy()
        let broken = folder.appendingPathComponent("9000_broken.sql")
        try Data("CREATE TABLE half_done (x int);\nALTER TABLE no_such_table ADD COLUMN y int;\n".utf8).write(
            to: broken)
        let environment = VerifydEnvironment(databaseURL: database.connectionString).values
        let arguments = ["migrate", "--migrations-dir", folder.path]
        let failed = try await VerifydProcess.run(arguments, environment: environment)
        #expect(failed.status == 2)
        #expect(failed.output.contains("9000_broken.sql"))
        #expect(try await IntegrationFixture.scalar(database, "to_regclass('half_done') IS NULL") == "true")
        #expect(
            try await IntegrationFixture.scalar(database, "SELECT count(*) FROM schema_migrations WHERE version = 9000")
                == "0")
        try Data("CREATE TABLE half_done (x int);\n".utf8).write(to: broken)
        #expect(try await VerifydProcess.run(arguments, environment: environment).status == 0)
        #expect(try await IntegrationFixture.scalar(database, "to_regclass('half_done') IS NOT NULL") == "true")
        try await database.drop()
    }
}
