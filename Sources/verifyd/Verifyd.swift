import ArgumentParser

/// The `verifyd` command: a thin shell over the App module.
@main
struct Verifyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifyd",
        abstract: "Self-hosted phone verification compatible with Twilio Verify v2.",
        discussion: "Every setting comes from the environment; see README.md and .env.example.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, CheckCommand.self, KeysCommand.self, ServicesCommand.self,
            PhonesCommand.self, PrefixesCommand.self,
        ]
    )
}
