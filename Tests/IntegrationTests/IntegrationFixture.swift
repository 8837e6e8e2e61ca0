import App
import Foundation
import Logging
import Postgres
import TestSupport

/// Shared steps of the process-level tests: databases with the schema applied, running instances, and the few API
/// calls most tests make.
enum IntegrationFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var migrationsDirectory: String { repositoryRoot.appendingPathComponent("migrations").path }

    /// A fresh database with every migration applied.
    static func migratedDatabase() async throws -> TestDatabase {
        let database = try await TestDatabase.create()
        let client = database.makeClient(poolSize: 1)
        do {
            try await MigrationRunner(
                client: client, migrations: try MigrationSource.load(directory: nil), logger: Logger(label: "test")
            ).migrate()
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return database
    }

    /// Runs one SQL statement in `database` and returns the first column of the first row as text.
    static func scalar(_ database: TestDatabase, _ sql: String) async throws -> String? {
        let client = database.makeClient(poolSize: 1)
        defer { Task { await client.close() } }
        let rows = try await client.withConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::text"))
        }
        return try rows.single()?.decode(0, as: String?.self)
    }

    /// Polls `sql` until it returns `expected` or `timeout` passes, for rows another process writes a moment later;
    /// returns the last value read.
    static func scalar(
        _ database: TestDatabase, _ sql: String, becomes expected: String, within timeout: Duration = .seconds(10)
    ) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        var value = try await scalar(database, sql)
        while value != expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            value = try await scalar(database, sql)
        }
        return value
    }

    /// Runs SQL in `database` (test set-up such as ageing rows).
    static func execute(_ database: TestDatabase, _ sql: String) async throws {
        let client = database.makeClient(poolSize: 1)
        defer { Task { await client.close() } }
        try await client.withConnection { try await $0.unsafeExecute(rawSQL: sql) }
    }

    /// The last code console delivery logged for `phone` (`SMS to +1***00: … code is: 123456`). The mask leaves
    /// the first digit and the last two, so numbers one process sends to must differ in those.
    static func lastCode(in log: String, to phone: String) -> String? {
        let masked = String(phone.prefix(2)) + "***" + String(phone.suffix(2))
        let lines = log.split(separator: "\n").filter { $0.contains("to \(masked):") && $0.contains("code is: ") }
        guard let line = lines.last, let range = line.range(of: "code is: ") else { return nil }
        return String(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Waits until console delivery logged a code for `phone` in `process`'s log.
    static func waitForCode(_ process: VerifydProcess, to phone: String, after previous: String? = nil) async throws
        -> String
    {
        for _ in 0..<250 {
            if let code = lastCode(in: process.log, to: phone), code != previous { return code }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw VerifydProcessError("no code for \(phone) in the log")
    }
}

/// Calls to one running instance, as a Twilio client would make them.
struct API {
    let process: VerifydProcess
    let environment: VerifydEnvironment
    let http = TestHTTPClient()

    func post(_ path: String, _ form: [(String, String)] = []) async throws -> TestHTTPClient.Reply {
        try await http.send(
            "POST", process.baseURL + path, form: form, headers: ["Authorization": environment.basicAuthorization])
    }

    func get(_ path: String) async throws -> TestHTTPClient.Reply {
        try await http.send("GET", process.baseURL + path, headers: ["Authorization": environment.basicAuthorization])
    }

    /// Creates a service and returns its SID.
    func createService(_ settings: [(String, String)] = []) async throws -> String {
        let reply = try await post("/v2/Services", [("FriendlyName", "Acme")] + settings)
        guard reply.status == 201, let sid = reply.json["sid"] as? String else {
            throw VerifydProcessError("service not created: \(reply.status) \(reply.text)")
        }
        return sid
    }
}
