import App
import ArgumentParser
import VerifyCore

struct ServicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services", abstract: "Create and list Verify services (VA…).",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a service; prints it as the API does.")
        @Option(help: "The name in messages (Twilio's rules: ≤ 30 characters, ≤ 4 digits, no links).")
        var friendlyName: String
        @Option(help: "Digits per code, 4–10.") var codeLength: Int = 6
        @Option(help: "Seconds a code stays valid, 120–86400.") var codeValidity: Int = 600
        @Option(help: "Checks allowed per verification, 1–100.") var maxCheckAttempts: Int = 5
        @Option(help: "Sends allowed per verification, 1–100.") var maxSendAttempts: Int = 5
        @Flag(help: "Allow callers to choose the code (CustomCode).") var customCodeEnabled = false
        @Flag(help: "Add Twilio's do-not-share sentence to SMS.") var doNotShareWarningEnabled = false
        @Flag(help: "Ask for a key press before a call reads the code.") var dtmfInputRequired = false

        func run() async throws {
            var settings = ServiceSettings(friendlyName: friendlyName)
            settings.codeLength = codeLength
            settings.codeValiditySeconds = codeValidity
            settings.maxCheckAttempts = maxCheckAttempts
            settings.maxSendAttempts = maxSendAttempts
            settings.customCodeEnabled = customCodeEnabled
            settings.doNotShareWarningEnabled = doNotShareWarningEnabled
            settings.dtmfInputRequired = dtmfInputRequired
            let chosen = settings
            try await runAdmin { try await $0.createService(chosen) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every service, oldest first.")
        func run() async throws { try await runAdmin { try await $0.listServices() } }
    }
}
