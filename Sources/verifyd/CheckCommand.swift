import App
import ArgumentParser
import Foundation
import Postgres

/// A Nagios-format health check: one status line, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Nagios and Icinga
/// read the first line of standard output, so that line is all it prints there (logs go to standard error).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the database and schema; Nagios plugin output and exit status.")

    func run() async throws {
        let settings: DatabaseSettings
        do {
            settings = try DatabaseSettings.fromEnvironment(CommandSupport.environment)
        } catch {
            try report("VERIFYD UNKNOWN - \(error.problems.joined(separator: "; "))", 3)
        }
        let started = ContinuousClock.now
        let result: (line: String, code: Int32)
        do {
            result = try await CommandSupport.withDatabase(settings) { client, logger in
                let status = try await MigrationRunner(
                    client: client, migrations: try MigrationSource.load(directory: nil), logger: logger
                ).status()
                let elapsed = ContinuousClock.now - started
                let timing = String(
                    format: "time=%.3fs",
                    Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                if !status.changed.isEmpty || !status.pending.isEmpty {
                    return (
                        "VERIFYD CRITICAL - \(status.pending.count) migration(s) pending, \(status.changed.count) changed | \(timing)",
                        2
                    )
                }
                if !status.unknown.isEmpty {
                    return (
                        "VERIFYD WARNING - schema has \(status.unknown.count) version(s) from a newer release | \(timing)",
                        1
                    )
                }
                return ("VERIFYD OK - database reachable, \(status.applied.count) migration(s) applied | \(timing)", 0)
            }
        } catch {
            result = ("VERIFYD CRITICAL - \(error)", 2)
        }
        try report(result.line, result.code)
    }

    /// Prints `line` as the plugin's one line, whatever an error message in it holds, and exits with `code`.
    private func report(_ line: String, _ code: Int32) throws -> Never {
        print(line.split(whereSeparator: \.isNewline).joined(separator: " "))
        throw ExitCode(code)
    }
}
