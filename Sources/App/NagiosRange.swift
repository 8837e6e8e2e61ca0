/// A threshold in the Nagios plugin range syntax: `10` alerts outside 0…10, `10:` below 10, `~:10` above 10,
/// `10:20` outside 10…20, and `@10:20` inside 10…20 (the Monitoring Plugins Development Guidelines).
public struct NagiosRange: Sendable, Equatable, CustomStringConvertible {
    /// nil is -∞ (`~`).
    public let start: Double?
    /// nil is +∞ (an empty end, `10:`).
    public let end: Double?
    /// `@`: alert when the value is inside the range rather than outside it.
    public let inside: Bool
    /// The range as written, for the performance data.
    public let description: String

    public init?(_ text: String) {
        var body = Substring(text)
        inside = body.hasPrefix("@")
        if inside { body = body.dropFirst() }
        guard !body.isEmpty else { return nil }
        let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 {
            guard let end = Double(parts[0]), end.isFinite, end >= 0 else { return nil }
            self.start = 0
            self.end = end
        } else {
            let startText = parts[0]
            let endText = parts[1]
            if startText == "~" {
                start = nil
            } else {
                guard let start = Double(startText.isEmpty ? "0" : startText), start.isFinite else { return nil }
                self.start = start
            }
            if endText.isEmpty {
                end = nil
            } else {
                guard let end = Double(endText), end.isFinite else { return nil }
                self.end = end
            }
            if let start, let end, start > end { return nil }
        }
        description = text
    }

    /// True when `value` should raise this range's state.
    public func alerts(_ value: Double) -> Bool {
        let within = (start.map { value >= $0 } ?? true) && (end.map { value <= $0 } ?? true)
        return inside ? within : !within
    }
}
