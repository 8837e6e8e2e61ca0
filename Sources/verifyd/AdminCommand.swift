import App
import ArgumentParser

/// Runs one admin request: prints its JSON lines; exit 1 when refused, 2 on configuration or database errors.
func runAdmin(_ body: @escaping (AdminCommands) async throws -> AdminCommands.Output) async throws {
    let settings = try CommandSupport.databaseSettings()
    let output: AdminCommands.Output
    do {
        output = try await CommandSupport.withDatabase(settings) { client, _ in
            try await body(AdminCommands(client: client, environment: CommandSupport.environment))
        }
    } catch {
        CommandSupport.report(error, level: settings.logging.level)
        throw ExitCode(2)
    }
    for line in output.lines { print(line) }
    if output.refused { throw ExitCode(1) }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys (SK…) for the HTTP API.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once.")
        @Option(help: "A name for the key.") var name: String
        func run() async throws { try await runAdmin { try await $0.createKey(name: name) } }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        func run() async throws { try await runAdmin { try await $0.listKeys() } }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once, on every instance.")
        @Argument(help: "The key's SID (SK…).") var sid: String
        func run() async throws { try await runAdmin { try await $0.revokeKey(sid) } }
    }
}

struct PhonesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phones", abstract: "Block, unblock or erase a phone number.",
        subcommands: [Block.self, Unblock.self, Erase.self])

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send nothing more to NUMBER (E.164).")
        @Argument(help: "The number, E.164 (+14155550100).") var number: String
        @Option(help: "Why, for the record.") var reason: String
        func run() async throws { try await runAdmin { try await $0.block(number, reason: reason) } }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a block and clear the number's consecutive failed checks.")
        @Argument(help: "The number, E.164 (+14155550100).") var number: String
        func run() async throws { try await runAdmin { try await $0.unblock(number) } }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove everything stored about NUMBER; an opt-out is kept as a keyed hash (VERIFYD_CODE_KEY).")
        @Argument(help: "The number, E.164 (+14155550100).") var number: String
        func run() async throws { try await runAdmin { try await $0.erase(number) } }
    }
}

struct PrefixesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefixes", abstract: "List and lift the prefix rule's blocks.",
        subcommands: [List.self, Lift.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blocked prefixes and why they were blocked.")
        func run() async throws { try await runAdmin { try await $0.listPrefixBlocks() } }
    }

    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift the block on PREFIX at once.")
        @Argument(help: "The prefix, E.164 without its last digits (+447700900).") var prefix: String
        func run() async throws { try await runAdmin { try await $0.liftPrefixBlock(prefix) } }
    }
}
