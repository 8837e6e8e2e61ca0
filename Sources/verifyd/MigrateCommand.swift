import App
import ArgumentParser
import Foundation
import Postgres

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations, each once, however many runners start together.",
        discussion: "With --status: exit 0 when current, 1 when something is pending or changed, 2 on error.")

    @Flag(help: "List applied and pending migrations instead of applying them.")
    var status = false

    @Option(help: "Read migrations from this folder instead of the ones built into the binary.")
    var migrationsDir: String?

    func run() async throws {
        let settings = try CommandSupport.databaseSettings()
        let current: Bool
        do {
            current = try await CommandSupport.withDatabase(settings) { client, logger in
                let runner = try MigrationRunner(
                    client: client, migrations: try MigrationSource.load(directory: migrationsDir), logger: logger)
                return status ? try await printStatus(runner) : try await apply(runner)
            }
        } catch {
            CommandSupport.report(error, level: settings.logging.level)
            throw ExitCode(2)
        }
        if !current { throw ExitCode(1) }
    }

    private func printStatus(_ runner: MigrationRunner) async throws -> Bool {
        let status = try await runner.status()
        for applied in status.applied {
            print(
                "applied  \(String(format: "%04d", applied.version))_\(applied.name).sql  \(applied.appliedAt.formatted(.iso8601))"
            )
        }
        for changed in status.changed { print("changed  \(changed.fileName)  (differs from what was applied)") }
        for pending in status.pending { print("pending  \(pending.fileName)") }
        for unknown in status.unknown {
            print("unknown  version \(unknown.version) (\(unknown.name)): applied by a newer release")
        }
        return status.isCurrent
    }

    private func apply(_ runner: MigrationRunner) async throws -> Bool {
        let applied = try await runner.migrate()
        if applied.isEmpty { print("nothing to apply: the schema is current") }
        for migration in applied { print("applied  \(migration.fileName)") }
        return true
    }
}
