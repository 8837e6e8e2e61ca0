import App
import ArgumentParser
import VerifyCore

struct ServicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services", abstract: "Create and list Verify services (VA…), set their geo permissions.",
        subcommands: [Create.self, List.self, Geo.self])

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

    struct Geo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set a service's own geo permissions, which win over VERIFYD_GEO_* for it.",
            discussion: """
                Each list is comma-separated ISO 3166-1 alpha-2 codes (001 for the non-geographic ranges) and *, \
                for every region not named; a region named beats *. A list given replaces the stored one ('' \
                empties it); regions neither list names follow the global settings. Starts on other instances \
                may take up to 5 seconds to see a region turned on; a region turned off applies at once.
                """)
        @Argument(help: "The service (VA…).") var service: String
        @Option(help: "Regions SMS may reach, e.g. NG,PK or *.") var allowSms: String?
        @Option(help: "Regions SMS may not reach, e.g. JM or *.") var denySms: String?
        @Option(help: "Regions calls may reach.") var allowVoice: String?
        @Option(help: "Regions calls may not reach.") var denyVoice: String?

        func run() async throws {
            let sms = AdminCommands.GeoChange(allow: allowSms, deny: denySms)
            let voice = AdminCommands.GeoChange(allow: allowVoice, deny: denyVoice)
            let service = self.service
            try await runAdmin { try await $0.setGeo(service, sms: sms, voice: voice) }
        }
    }
}
