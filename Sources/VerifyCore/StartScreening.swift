/// The rules a start passes before anything is stored or sent, as one pure decision over what offline metadata says
/// about the number, the channel, the operator's settings and the service's. Each rule that fires names itself and
/// the figures it decided on, so a refusal can say why; a rule in record-only mode reports what it would have
/// refused and lets the start through, so a new rule can be tried on live traffic.
///
/// Later rules (prefix velocity, rate limits, the spend guard) are meant to join this list with their figures; the
/// Safe List skips the line-type and geo rules, never the number's validity or the service's own landline setting.
public struct StartScreening: Sendable, Equatable {
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// The number cannot exist: no calling code, or a length no range of its country has (60200).
        case number
        /// A line type the operator refuses: premium rate and the like (60410), or one the metadata cannot place in
        /// any range (60200).
        case lineType = "line_type"
        /// `SkipSmsToLandlines`: no SMS to a fixed line (60205).
        case landline
        /// The number's region is off for the channel (60605).
        case geo

        /// The rules an operator may run in record-only mode: the number rule is parameter validation, and the
        /// landline rule is the service's own request.
        public static let recordable: Set<Rule> = [.lineType, .geo]
        /// The rules a number on the Safe List skips, as Twilio's skips Geo Permissions and Fraud Guard.
        public static let skippedWhenSafeListed: Set<Rule> = [.lineType, .geo]
    }

    public enum Mode: String, Sendable, Hashable {
        case enforce
        case record
    }

    /// The operator's geo permissions, over the built-in defaults and under each service's own.
    public var geo: GeoPermissions
    /// Line types refused whatever the service (`.unknown` is governed by `refuseUnknownNumbers`).
    public var refusedLineTypes: Set<LineType>
    /// Refuse numbers the metadata places in no range although their length is possible. With metadata older than
    /// the number plan, that includes ranges opened since.
    public var refuseUnknownNumbers: Bool
    /// Rules that only report what they would refuse (a subset of `Rule.recordable`).
    public var recordOnly: Set<Rule>

    public static let defaultRefusedLineTypes: Set<LineType> = [.premiumRate, .sharedCost, .uan, .voicemail]

    public init(
        geo: GeoPermissions = .none, refusedLineTypes: Set<LineType> = defaultRefusedLineTypes,
        refuseUnknownNumbers: Bool = true, recordOnly: Set<Rule> = []
    ) {
        self.geo = geo
        self.refusedLineTypes = refusedLineTypes
        self.refuseUnknownNumbers = refuseUnknownNumbers
        self.recordOnly = recordOnly.intersection(Rule.recordable)
    }

    /// What one start is screened on.
    public struct Subject: Sendable, Equatable {
        public var facts: NumberFacts
        /// The regions the number may be in: its own, or, when the metadata places it in none, every region of its
        /// calling code (each must be allowed).
        public var regions: [RegionCode]
        public var channel: Channel
        /// The service's settings; nil when not known yet, and then only the rules that need no service are
        /// decided.
        public var service: ServiceSettings?
        /// On the Safe List: the line-type and geo rules do not apply.
        public var safeListed: Bool

        public init(
            facts: NumberFacts, regions: [RegionCode], channel: Channel, service: ServiceSettings?,
            safeListed: Bool = false
        ) {
            self.facts = facts
            self.regions = regions
            self.channel = channel
            self.service = service
            self.safeListed = safeListed
        }
    }

    /// The outcome: the refusal, if an enforced rule fired, and what record-only rules found before it.
    public struct Decision: Sendable, Equatable {
        public var refusal: ScreeningFinding?
        public var recorded: [ScreeningFinding]
    }

    public func decide(_ subject: Subject) -> Decision {
        var recorded: [ScreeningFinding] = []
        for finding in findings(subject) {
            if finding.mode == .enforce { return Decision(refusal: finding, recorded: recorded) }
            recorded.append(finding)
        }
        return Decision(refusal: nil, recorded: recorded)
    }

    /// Every rule that fires, in the order they are decided.
    private func findings(_ subject: Subject) -> [ScreeningFinding] {
        let facts = subject.facts
        func finding(_ rule: Rule, _ error: VerifyError, region: RegionCode? = facts.region, layer: GeoLayer? = nil)
            -> ScreeningFinding
        {
            ScreeningFinding(
                rule: rule, mode: recordOnly.contains(rule) ? .record : .enforce, channel: subject.channel,
                lineType: facts.lineType, region: region, callingCode: facts.callingCode, layer: layer, error: error)
        }
        if !facts.isValid && !facts.isPossible { return [finding(.number, .invalid("To"))] }
        var found: [ScreeningFinding] = []
        let skipped = subject.safeListed ? Rule.skippedWhenSafeListed : []
        if !skipped.contains(.lineType) {
            if facts.lineType == .unknown && refuseUnknownNumbers {
                found.append(finding(.lineType, .invalid("To")))
            } else if refusedLineTypes.contains(facts.lineType) {
                found.append(finding(.lineType, VerifyError(.lineTypeRefused)))
            }
        }
        guard let service = subject.service else { return found }
        if subject.channel == .sms && service.skipSmsToLandlines && facts.lineType == .fixedLine {
            found.append(finding(.landline, VerifyError(.landline)))
        }
        if !skipped.contains(.geo), let off = firstRegionOff(subject.regions, subject.channel, service.geo) {
            found.append(finding(.geo, VerifyError(.destinationBlocked), region: off.region, layer: off.layer))
        }
        return found
    }

    /// The first of `regions` that is off for `channel`, and the layer that turned it off: the service's
    /// overrides, then the operator's settings, then the defaults, the first with an opinion deciding.
    private func firstRegionOff(_ regions: [RegionCode], _ channel: Channel, _ service: GeoPermissions) -> (
        region: RegionCode, layer: GeoLayer
    )? {
        let layers: [(GeoLayer, GeoRules)] = [(.service, service[channel]), (.global, geo[channel])]
        for region in regions {
            let verdict =
                layers.lazy.compactMap { layer, rules in rules.verdict(for: region).map { ($0, layer) } }
                .first ?? (GeoPermissions.defaults[channel].verdict(for: region) ?? true, .defaults)
            if !verdict.0 { return (region, verdict.1) }
        }
        return nil
    }
}
