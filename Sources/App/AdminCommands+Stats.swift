import HTTPAPI
import VerifyCore
import VerifyStore

/// `verifyd stats`: the Attempts Summary per UTC day, service and destination country.
extension AdminCommands {
    public enum StatsFormat: String, Sendable, CaseIterable {
        /// Aligned columns under a header, for people.
        case text
        /// One JSON object per line, for scripts.
        case json
    }

    /// Counts from `first` through `last` (both days included); a missing bound makes a week with the other, and
    /// with neither the week ends today by the database clock.
    public func stats(from first: CalendarDay?, through last: CalendarDay?, format: StatsFormat) async throws -> Output
    {
        if let first, let last, first > last { return refusal("--since is after --until") }
        let rows = try await PostgresAttemptStore(client: client).dailyCounts(from: first, through: last)
        switch format {
        case .json:
            return Output(lines: rows.map { line(Self.json($0)) }, refused: false)
        case .text:
            let header = Self.columns(["day", "service", "country", "started", "sent", "converted", "rate"])
            return Output(lines: [header] + rows.map(Self.text), refused: false)
        }
    }

    /// `sent` counts every attempt to send a code, failed ones included, as the Summary's `total_attempts` does.
    private static func json(_ row: AttemptDailyCounts) -> JSONValue {
        .object([
            ("day", .string(row.day.description)),
            ("service_sid", .string(row.service.rawValue)),
            ("country", .string(row.region?.code)),
            ("started", .int(row.started)),
            ("sent", .int(row.totals.attempts)),
            ("converted", .int(row.totals.converted)),
            ("conversion_rate_percentage", .string(row.totals.conversionRatePercentage)),
        ])
    }

    private static func text(_ row: AttemptDailyCounts) -> String {
        columns([
            row.day.description, row.service.rawValue, row.region?.code ?? "-", String(row.started),
            String(row.totals.attempts), String(row.totals.converted),
            (row.totals.percentage(decimals: 1) ?? "-") + "%",
        ])
    }

    /// Day, service and country left-aligned, the counts and the rate right-aligned.
    private static func columns(_ values: [String]) -> String {
        let widths = [10, 34, 7, 8, 8, 9, 7]
        return zip(values, widths).enumerated().map { index, column in
            let padding = String(repeating: " ", count: max(0, column.1 - column.0.count))
            return index < 3 ? column.0 + padding : padding + column.0
        }.joined(separator: "  ")
    }
}
