import ArgumentParser
import Foundation

/// The `verifyd` command: a thin shell over the App module.
@main
struct Verifyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifyd",
        abstract: "Self-hosted phone verification compatible with Twilio Verify v2.",
        discussion: "Every setting comes from the environment; see README.md and .env.example.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, CheckCommand.self, KeysCommand.self, ServicesCommand.self,
            PhonesCommand.self, PrefixesCommand.self, StatsCommand.self,
        ]
    )

    /// As ArgumentParser's own `main`, except that `check` answers an option it cannot parse the way a Nagios plugin
    /// must: a status line and UNKNOWN (3), not usage text and 64, which Nagios reports as out of bounds.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if CommandLine.arguments.dropFirst().first == "check", exitCode(for: error) == .validationFailure {
                let message = message(for: error).split(whereSeparator: \.isNewline).first ?? "invalid options"
                print("VERIFYD UNKNOWN - \(message)")
                Foundation.exit(3)
            }
            exit(withError: error)
        }
    }
}
