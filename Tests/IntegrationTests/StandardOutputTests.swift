import Foundation
import TestSupport
import Testing

/// Logs go to standard error, so that standard output holds only what a command prints for its caller (a script,
/// a pipeline, a monitoring system).
@Suite("Standard output")
struct StandardOutputTests {
    @Test("migrate prints what it applied on stdout and logs it on stderr")
    func migrate() async throws {
        let database = try await TestDatabase.create()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let result = try await VerifydProcess.runKeepingOutputApart(["migrate"], environment: environment.values)
        try await database.drop()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("migrate.applied"), "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("applied  ") && $0.hasSuffix(".sql") }, "\(result.standardOutput)")
    }

    @Test("serve writes nothing on stdout: its log lines, console deliveries included, go to stderr")
    func serve() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let process = try await VerifydProcess.serve(environment: environment.values, outputApart: true)
        let api = API(process: process, environment: environment)
        #expect(try await api.post("/sms", [("number", "+14155550123")]).status == 202)
        try await process.waitForLog(matching: "SMS to +1***23")
        await process.stop()
        try await database.drop()
        #expect(process.standardOutput.isEmpty, "\(process.standardOutput)")
    }
}
