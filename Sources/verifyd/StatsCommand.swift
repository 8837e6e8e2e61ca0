import App
import ArgumentParser
import VerifyCore

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Verifications started, codes sent and converted, per day, service and country.",
        discussion: """
            Days are UTC and both bounds are included; without bounds, the last seven days up to today. Counts are \
            those of GET /v2/Attempts/Summary: `sent` is every attempt to send a code, `converted` the attempts \
            whose verification was approved.
            """)

    @Option(help: "First day, YYYY-MM-DD (default: six days before --until).", transform: Self.day)
    var since: CalendarDay?
    @Option(help: "Last day, YYYY-MM-DD (default: today).", transform: Self.day)
    var until: CalendarDay?
    @Option(help: "text (aligned columns) or json (one object per line).", transform: Self.format)
    var format: AdminCommands.StatsFormat = .text

    func run() async throws {
        try await runAdmin { try await $0.stats(from: since, through: until, format: format) }
    }

    private static func day(_ text: String) throws -> CalendarDay {
        guard let day = CalendarDay(text) else { throw ValidationError("not a date (YYYY-MM-DD): \(text)") }
        return day
    }

    private static func format(_ text: String) throws -> AdminCommands.StatsFormat {
        guard let format = AdminCommands.StatsFormat(rawValue: text) else {
            throw ValidationError("--format is text or json")
        }
        return format
    }
}
