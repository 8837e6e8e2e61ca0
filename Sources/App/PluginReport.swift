import Foundation

/// A Nagios plugin's state, which is also its exit status.
public enum PluginState: Int32, Sendable, Comparable {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public static func < (lhs: PluginState, rhs: PluginState) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a plugin prints, one line: `VERIFYD STATE - text | perfdata`, and the state it exits with.
public struct PluginReport: Sendable {
    public var state: PluginState
    public var text: String
    /// `label=value[UOM];warn;crit;min;max` entries, in order.
    public var performanceData: [String]

    public init(state: PluginState, text: String, performanceData: [String] = []) {
        self.state = state
        self.text = text
        self.performanceData = performanceData
    }

    /// The status line; whatever `text` holds, it stays one line and never carries a `|` of its own.
    public var line: String {
        let clean = text.split(whereSeparator: \.isNewline).joined(separator: " ").replacingOccurrences(
            of: "|", with: "/")
        let data = performanceData.isEmpty ? "" : " | " + performanceData.joined(separator: " ")
        return "VERIFYD \(state.label) - \(clean)\(data)"
    }

    /// One performance-data entry; `value` nil prints Nagios' `U` (could not be determined).
    static func entry(
        _ label: String, _ value: String?, unit: String = "", _ pair: CheckThresholds.Pair? = nil,
        min: String? = "0", max: String? = nil
    ) -> String {
        let fields = [
            value.map { $0 + unit } ?? "U", pair?.warning?.description ?? "", pair?.critical?.description ?? "",
            min ?? "", max ?? "",
        ]
        return "\(label)=" + fields.joined(separator: ";")
    }
}
