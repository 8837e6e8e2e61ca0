import App
import ArgumentParser
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (refuses to start while migrations are pending).")

    @Flag(help: "Apply pending migrations first, under the same advisory lock as `verifyd migrate`.")
    var migrate = false

    @Option(help: "Read migrations from this folder instead of the ones built into the binary.")
    var migrationsDir: String?

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings.fromEnvironment(CommandSupport.environment)
        } catch {
            CommandSupport.printError("\(error)")
            throw ExitCode(2)
        }
        VerifydLogHandler.bootstrap(settings.database.logging)
        let logger = Logger(label: "verifyd")
        do {
            let application = try await buildApplication(
                settings, migrations: try MigrationSource.load(directory: migrationsDir), migrateFirst: migrate,
                logger: logger)
            try await application.run()
        } catch {
            CommandSupport.report(error, level: settings.database.logging.level)
            throw ExitCode(1)
        }
    }
}
