import Foundation
import TestSupport
import Testing

@Suite("verifyd serve: start-up")
struct ServeCommandTests {
    @Test("serve refuses to start while migrations are pending, and --migrate applies them first")
    func pendingMigrations() async throws {
        let database = try await TestDatabase.create()
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let refused = try await VerifydProcess.run(["serve"], environment: environment.values)
        #expect(refused.status == 1)
        #expect(refused.output.contains("run `verifyd migrate`"))
        let process = try await VerifydProcess.serve(
            environment: environment.values, arguments: ["serve", "--migrate"])
        #expect(await process.becomesReady())
        await process.stop()
        try await database.drop()
    }

    @Test("every missing or invalid variable is listed in one message")
    func configurationErrors() async throws {
        let environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin", "VERIFYD_PORT": "eighty",
            "VERIFYD_CODE_KEY": "c2hvcnQ=", "VERIFYD_LOG_FORMAT": "xml",
        ]
        let result = try await VerifydProcess.run(["serve"], environment: environment)
        #expect(result.status == 2)
        for name in [
            "DATABASE_URL", "VERIFYD_PUBLIC_URL", "VERIFYD_ACCOUNT_SID", "VERIFYD_AUTH_TOKEN", "VERIFYD_CODE_KEY",
            "VERIFYD_PORT", "VERIFYD_LOG_FORMAT", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
        ] {
            #expect(result.output.contains(name), "\(name) missing from: \(result.output)")
        }
        #expect(!result.output.contains("c2hvcnQ="), "a secret was echoed")
        let admin = try await VerifydProcess.run(["keys", "list"], environment: ["PATH": environment["PATH"]!])
        #expect(admin.status == 2)
        #expect(admin.output.contains("DATABASE_URL"))
        #expect(!admin.output.contains("VERIFYD_PUBLIC_URL"), "admin commands need only DATABASE_URL")
    }

    @Test("a schema version from a newer release is reported and the instance keeps serving")
    func newerVersion() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        try await IntegrationFixture.execute(
            database, "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
        let environment = VerifydEnvironment(databaseURL: database.connectionString)
        let process = try await VerifydProcess.serve(environment: environment.values)
        #expect(await process.becomesReady())
        #expect(process.log.contains("migrate.unknown_version"))
        let status = try await VerifydProcess.run(["migrate", "--status"], environment: environment.values)
        #expect(status.status == 0)
        #expect(status.output.contains("unknown  version 9999"))
        await process.stop()
        try await database.drop()
    }

    @Test("serve refuses a VERIFYD_DEFAULT_SERVICE that does not exist")
    func missingDefaultService() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment["VERIFYD_DEFAULT_SERVICE"] = "VA" + String(repeating: "0", count: 32)
        let result = try await VerifydProcess.run(["serve"], environment: environment.values)
        #expect(result.status == 1)
        #expect(result.output.contains("VERIFYD_DEFAULT_SERVICE"))
        try await database.drop()
    }

    @Test("without console delivery and without Twilio credentials serve refuses to start")
    func noDelivery() async throws {
        let database = try await IntegrationFixture.migratedDatabase()
        var environment = VerifydEnvironment(databaseURL: database.connectionString)
        environment["VERIFYD_DELIVERY"] = nil
        let result = try await VerifydProcess.run(["serve"], environment: environment.values)
        #expect(result.status == 2)
        #expect(result.output.contains("TWILIO_AUTH_TOKEN"))
        try await database.drop()
    }
}
