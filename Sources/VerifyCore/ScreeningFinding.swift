import Logging

/// Which layer of geo permissions decided a region.
public enum GeoLayer: String, Sendable, Hashable {
    case service
    case global
    case defaults
}

/// One rule that fired on a start, with the figures it decided on. Never the number: its region and line type say
/// too little to find it.
public struct ScreeningFinding: Sendable, Equatable {
    public var rule: StartScreening.Rule
    public var mode: StartScreening.Mode
    public var channel: Channel
    public var lineType: LineType
    /// The region judged: the number's, or for the geo rule the region that is off.
    public var region: RegionCode?
    public var callingCode: Int?
    /// For the geo rule: whose setting turned the region off.
    public var layer: GeoLayer?
    /// What the caller is answered when the rule is enforced.
    public var error: VerifyError

    public init(
        rule: StartScreening.Rule, mode: StartScreening.Mode, channel: Channel, lineType: LineType,
        region: RegionCode?, callingCode: Int?, layer: GeoLayer?, error: VerifyError
    ) {
        self.rule = rule
        self.mode = mode
        self.channel = channel
        self.lineType = lineType
        self.region = region
        self.callingCode = callingCode
        self.layer = layer
        self.error = error
    }

    /// The figures, as a log line carries them.
    public var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rule": "\(rule.rawValue)", "mode": "\(mode.rawValue)", "channel": "\(channel.rawValue)",
            "line_type": "\(lineType.rawValue)", "region": "\(region?.code ?? "none")",
        ]
        if let callingCode { metadata["calling_code"] = "\(callingCode)" }
        if let layer { metadata["layer"] = "\(layer.rawValue)" }
        return metadata
    }
}

/// A start refused by an enforced screening rule: what the caller is answered (`error`) and which rule fired with
/// its figures, so that a refusal can be recorded as well as answered.
public struct ScreeningRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var finding: ScreeningFinding

    public init(_ finding: ScreeningFinding) {
        self.finding = finding
    }

    public var error: VerifyError { finding.error }

    public var description: String { "refused by the \(finding.rule.rawValue) rule: \(finding.error)" }
}
