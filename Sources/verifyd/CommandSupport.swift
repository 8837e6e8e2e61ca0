import App
import ArgumentParser
import Foundation
import Logging
import Postgres

/// Shared plumbing of the subcommands: reading settings, logging, a database client, exit statuses.
enum CommandSupport {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The database settings, or exit 2 after listing every configuration problem.
    static func databaseSettings() throws -> DatabaseSettings {
        do {
            return try DatabaseSettings.fromEnvironment(environment)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
    }

    /// Runs `body` with a client for the configured database, closing it afterwards.
    static func withDatabase<Result>(
        _ settings: DatabaseSettings, _ body: (PostgresClient, Logger) async throws -> Result
    ) async throws -> Result {
        VerifydLogHandler.bootstrap(settings.logging)
        let logger = Logger(label: "verifyd")
        let client = PostgresClient(configuration: settings.postgres, logger: logger)
        do {
            let result = try await body(client, logger)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data(("verifyd: " + text + "\n").utf8))
    }

    /// Prints an error for the operator: `description` always, the server's message only at debug level.
    static func report(_ error: any Error, level: Logger.Level) {
        printError("\(error)")
        if level <= .debug {
            printError("detail: \(String(reflecting: error))")
        } else if error is PostgresError || (error as? MigrationError)?.underlying != nil {
            printError("(set VERIFYD_LOG_LEVEL=debug to see the database's own message)")
        }
    }
}
