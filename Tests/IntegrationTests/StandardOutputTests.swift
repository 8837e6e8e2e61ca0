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
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment["VERIFYD_PORT"] = "0"
        let process = try VerifydProcess.launch(["serve"], environment: environment.values, outputApart: true)
        let listening = try await process.waitForLog(matching: "listening on 127.0.0.1:")
        let port = try #require(listening.split(separator: ":").last.map { String($0.prefix { $0.isNumber }) })
        let reply = try await TestHTTPClient().send(
            "POST", "http://127.0.0.1:\(port)/sms", form: [("number", "+14155550123")],
            headers: ["Authorization": environment.basicAuthorization])
        #expect(reply.status == 202)
        try await process.waitForLog(matching: "SMS to +1415***0123")
        await process.stop()
        try await database.drop()
        #expect(process.standardOutput.isEmpty, "\(process.standardOutput)")
    }
}
