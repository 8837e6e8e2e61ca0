import Foundation
import Postgres

extension HealthCheck.Reading {
    /// Judges every figure by its pair of ranges; the worst state wins, and the figures that raised it lead the text.
    public func report(_ thresholds: CheckThresholds) -> PluginReport {
        var state = PluginState.ok
        var problems: [String] = []
        var summary: [String] = []
        var data: [String] = []

        /// Files `text` under the problems, with the range it broke, or under the summary.
        func judge(_ value: Double, _ pair: CheckThresholds.Pair, _ text: String) {
            let judged = pair.state(of: value)
            state = max(state, judged)
            guard judged > .ok else { return summary.append(text) }
            let range = (judged == .critical ? pair.critical : pair.warning)?.description ?? ""
            problems.append("\(text) (\(judged.label.lowercased()) \(range))")
        }
        func raise(_ to: PluginState, _ text: String) {
            state = max(state, to)
            problems.append(text)
        }

        let seconds = roundTrip / .seconds(1)
        judge(seconds, thresholds.roundTrip, "database round trip \(Self.whole(seconds * 1000)) ms")
        data.append(PluginReport.entry("db_time", String(format: "%.3f", seconds), unit: "s", thresholds.roundTrip))

        let pending = migrations.pending.count
        judge(Double(pending), thresholds.pendingMigrations, "\(pending) migration(s) pending")
        if !migrations.changed.isEmpty {
            raise(.critical, "\(migrations.changed.count) applied migration(s) differ from this release's")
        }
        if !migrations.unknown.isEmpty {
            raise(.warning, "schema has \(migrations.unknown.count) version(s) from a newer release")
        }
        data.append(PluginReport.entry("pending_migrations", "\(pending)", thresholds.pendingMigrations))

        if let outbox {
            judge(Double(outbox.depth), thresholds.outbox, "outbox \(outbox.depth) queued")
            judge(outbox.oldestAge, thresholds.outboxAge, "oldest queued \(Self.whole(outbox.oldestAge)) s")
        }
        data.append(PluginReport.entry("outbox", outbox.map { "\($0.depth)" }, thresholds.outbox))
        data.append(
            PluginReport.entry(
                "outbox_age", outbox.map { Self.whole($0.oldestAge) }, unit: "s", thresholds.outboxAge))

        let window = HealthCheck.failureWindowMinutes
        if let deliveryFailures {
            judge(
                Double(deliveryFailures), thresholds.deliveryFailures,
                "\(deliveryFailures) delivery failure(s) in \(window) min")
        }
        data.append(
            PluginReport.entry(
                "delivery_failures_\(window)m", deliveryFailures.map { "\($0)" }, thresholds.deliveryFailures))

        if let spend, spend.limit > 0 {
            let percent = spend.spent / spend.limit * 100
            judge(percent, thresholds.spend, "spend \(Self.whole(percent))% of the guard")
            data.append(
                PluginReport.entry("spend", String(format: "%.1f", percent), unit: "%", thresholds.spend, max: "100"))
        } else {
            summary.append("spend guard off")
            data.append(PluginReport.entry("spend", nil, thresholds.spend, max: "100"))
        }

        if let conversion {
            let rate = conversion.rate.map { $0 * 100 }
            if let rate, conversion.started >= thresholds.approvalMinimumStarts {
                judge(
                    rate, thresholds.approvalRate,
                    "approval \(Self.whole(rate))% of \(conversion.started) start(s) in 1 h")
            } else {
                summary.append(
                    "\(conversion.started) start(s) in 1 h, approval not judged below "
                        + "\(thresholds.approvalMinimumStarts)")
            }
            data.append(
                PluginReport.entry(
                    "approval_rate", rate.map { String(format: "%.1f", $0) }, unit: "%", thresholds.approvalRate,
                    max: "100"))
            data.append(PluginReport.entry("starts_1h", "\(conversion.started)"))
        }

        return PluginReport(state: state, text: (problems + summary).joined(separator: ", "), performanceData: data)
    }

    /// A figure as the text and the performance data both show it, so that the two agree.
    private static func whole(_ value: Double) -> String { String(format: "%.0f", value) }
}
