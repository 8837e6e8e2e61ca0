import App
import ArgumentParser
import Foundation
import Postgres
import VerifyCore

/// A Nagios / Icinga plugin: one status line with performance data, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
/// Nagios and Icinga read the first line of standard output, so that line is all it prints there (logs go to
/// standard error).
///
/// An unreachable database is CRITICAL, not UNKNOWN: the guidelines keep UNKNOWN for a plugin that cannot do its
/// job (bad arguments or settings, a failure inside the plugin), while a database verifyd cannot reach means no
/// instance can serve, which is the outage this check exists to report (`check_pgsql` answers the same).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the shared database, schema, outbox, deliveries, spend and approval rate (Nagios plugin).",
        discussion: """
            Thresholds use Nagios range syntax: 10 (outside 0..10), 10: (below 10), ~:10 (above 10), 10:20 \
            (outside), @10:20 (inside). An empty value turns a threshold off.
            """)

    @Option(help: "Database round trip, seconds.") var dbTimeWarn = "0.5"
    @Option(help: "Database round trip, seconds.") var dbTimeCrit = "2"
    @Option(help: "Pending migrations.") var pendingMigrationsWarn = ""
    @Option(help: "Pending migrations.") var pendingMigrationsCrit = "0"
    @Option(help: "Attempts queued in the outbox.") var outboxWarn = "100"
    @Option(help: "Attempts queued in the outbox.") var outboxCrit = "1000"
    @Option(help: "Age of the oldest queued attempt, seconds.") var outboxAgeWarn = "60"
    @Option(help: "Age of the oldest queued attempt, seconds.") var outboxAgeCrit = "300"
    @Option(help: "Failed deliveries in the last 15 minutes.") var deliveryFailuresWarn = "10"
    @Option(help: "Failed deliveries in the last 15 minutes.") var deliveryFailuresCrit = "50"
    @Option(help: "Spend, percent of the guard's limit.") var spendWarn = "80"
    @Option(help: "Spend, percent of the guard's limit.") var spendCrit = "95"
    @Option(help: "Approved / started over the last hour, percent.") var approvalRateWarn = "30:"
    @Option(help: "Approved / started over the last hour, percent.") var approvalRateCrit = "10:"
    @Option(help: "Judge the approval rate only with at least this many starts in the hour.")
    var approvalMinStarts = 50

    func run() async throws {
        let (thresholds, problems) = self.thresholds()
        if !problems.isEmpty { try report(PluginReport(state: .unknown, text: problems.joined(separator: "; "))) }
        let settings: DatabaseSettings
        let abuse: AbuseSettings
        do {
            settings = try DatabaseSettings.fromEnvironment(CommandSupport.environment)
            abuse = try AbuseSettings.fromEnvironment(CommandSupport.environment)
        } catch {
            try report(PluginReport(state: .unknown, text: error.problems.joined(separator: "; ")))
        }
        let report: PluginReport
        do {
            report = try await CommandSupport.withDatabase(settings) { client, logger in
                try await HealthCheck(
                    client: client, migrations: try MigrationSource.load(directory: nil), abuse: abuse, logger: logger
                )
                .read().report(thresholds)
            }
        } catch {
            report = PluginReport(state: .critical, text: "\(error)")
        }
        try self.report(report)
    }

    /// The thresholds the options give, and every option that is not a range.
    private func thresholds() -> (CheckThresholds, [String]) {
        var problems: [String] = []
        func pair(_ name: String, _ warning: String, _ critical: String) -> CheckThresholds.Pair {
            func range(_ suffix: String, _ text: String) -> NagiosRange? {
                if text.isEmpty { return nil }
                guard let range = NagiosRange(text) else {
                    problems.append("--\(name)-\(suffix) \"\(text)\" is not a Nagios range")
                    return nil
                }
                return range
            }
            return CheckThresholds.Pair(warning: range("warn", warning), critical: range("crit", critical))
        }
        var thresholds = CheckThresholds()
        thresholds.roundTrip = pair("db-time", dbTimeWarn, dbTimeCrit)
        thresholds.pendingMigrations = pair("pending-migrations", pendingMigrationsWarn, pendingMigrationsCrit)
        thresholds.outbox = pair("outbox", outboxWarn, outboxCrit)
        thresholds.outboxAge = pair("outbox-age", outboxAgeWarn, outboxAgeCrit)
        thresholds.deliveryFailures = pair("delivery-failures", deliveryFailuresWarn, deliveryFailuresCrit)
        thresholds.spend = pair("spend", spendWarn, spendCrit)
        thresholds.approvalRate = pair("approval-rate", approvalRateWarn, approvalRateCrit)
        if approvalMinStarts < 0 { problems.append("--approval-min-starts must not be negative") }
        thresholds.approvalMinimumStarts = approvalMinStarts
        return (thresholds, problems)
    }

    /// Prints the plugin's one line and exits with its state.
    private func report(_ report: PluginReport) throws -> Never {
        print(report.line)
        throw ExitCode(report.state.rawValue)
    }
}
