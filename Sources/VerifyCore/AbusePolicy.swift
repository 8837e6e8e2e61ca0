/// Who a start comes from, as the HTTP layer established it.
public struct StartOrigin: Sendable, Equatable {
    /// The end user's network from the validated `DeviceIp`: an IPv4 address, or an IPv6 /64 (`2001:db8:1:2::/64`).
    public var deviceNetwork: String?
    /// The credential: `root`, or the API key's SID.
    public var credential: String

    public init(deviceNetwork: String? = nil, credential: String = "root") {
        self.deviceNetwork = deviceNetwork
        self.credential = credential
    }
}

/// One hourly counter a start takes `units` from; the start is refused when the counter has no room left.
public struct AbuseMeter: Sendable, Equatable {
    public var rule: AbuseRule
    /// Whom it counts: a keyed digest (hex) for a network or a credential, `global`, or a cost-table prefix.
    public var subject: String
    public var units: Int
    public var limit: Int
    /// Rows the counter is split into (see migration 0009).
    public var shards: Int

    public init(rule: AbuseRule, subject: String, units: Int, limit: Int, shards: Int) {
        self.rule = rule
        self.subject = subject
        self.units = units
        self.limit = limit
        self.shards = shards
    }
}

/// What counting a start found: for each meter, whether it had room, and the prefix's hour.
public struct AbuseTally: Sendable, Equatable {
    public struct Meter: Sendable, Equatable {
        public var meter: AbuseMeter
        public var took: Bool
        /// Units counted this hour before this start, when the meter took nothing (0 when it took: only a refusal
        /// reports it).
        public var total: Int
        public var secondsUntilWindowEnds: Int
        /// Nothing was taken although a shard another start holds still has room: not a refusal, the start is
        /// retried.
        public var contended: Bool

        public init(meter: AbuseMeter, took: Bool, total: Int, secondsUntilWindowEnds: Int, contended: Bool = false) {
            self.meter = meter
            self.took = took
            self.total = total
            self.secondsUntilWindowEnds = secondsUntilWindowEnds
            self.contended = contended
        }
    }

    public struct Prefix: Sendable, Equatable {
        public var prefix: String
        /// Seconds the prefix stays blocked; nil when it is not blocked.
        public var blockedFor: Int?
        /// Starts this hour before this one, and how many of the hour's verifications were approved.
        public var starts: Int
        public var approved: Int

        public init(prefix: String, blockedFor: Int?, starts: Int, approved: Int) {
            self.prefix = prefix
            self.blockedFor = blockedFor
            self.starts = starts
            self.approved = approved
        }
    }

    public var meters: [Meter]
    public var prefix: Prefix?

    /// A meter took nothing only because the shards with room were held: the start is to be retried, not judged.
    public var isContended: Bool { meters.contains { !$0.took && $0.contended } }

    public init(meters: [Meter], prefix: Prefix?) {
        self.meters = meters
        self.prefix = prefix
    }
}

/// A rule that fired, with its figures; in record-only mode it refuses nothing.
public struct AbuseRefusal: Sendable, Equatable {
    public var rule: AbuseRule
    public var enforced: Bool
    /// `count` (before this start), `limit`, and for the prefix rule `approved`.
    public var figures: [String: Int]
    public var error: VerifyError
    /// Set when this refusal blocks a prefix: the prefix, for how long, and the figures that blocked it.
    public var blocksPrefix: String?
}

/// The decisions of issue 9's limits, pure: which counters a start takes, and which rules a tally fires.
public enum AbusePolicy {
    /// The counter a check takes: its credential's, so a leaked key cannot guess across numbers without bound.
    public static func checkMeter(credential: String, settings: AbuseSettings, digest: (String) -> [UInt8])
        -> AbuseMeter?
    {
        guard settings.apiKeyChecksPerHour > 0 else { return nil }
        return AbuseMeter(
            rule: .apiKeyChecks, subject: hex(digest("api_key_checks " + credential)), units: 1,
            limit: settings.apiKeyChecksPerHour, shards: settings.shards)
    }

    /// The counters a start takes: its end-user network, its credential, the global and the country spend.
    /// Subjects that could identify someone are keyed digests.
    public static func meters(
        for request: StartRequest, settings: AbuseSettings, digest: (String) -> [UInt8]
    ) -> [AbuseMeter] {
        var meters: [AbuseMeter] = []
        if let network = request.origin.deviceNetwork, settings.deviceIPStartsPerHour > 0 {
            meters.append(
                AbuseMeter(
                    rule: .deviceIP, subject: hex(digest("device_ip " + network)), units: 1,
                    limit: settings.deviceIPStartsPerHour, shards: 1))
        }
        if settings.apiKeyStartsPerHour > 0 {
            meters.append(
                AbuseMeter(
                    rule: .apiKey, subject: hex(digest("api_key " + request.origin.credential)), units: 1,
                    limit: settings.apiKeyStartsPerHour, shards: settings.shards))
        }
        let cost = settings.costs.cost(of: request.to)
        if settings.spendCeilingPerHour > 0 {
            meters.append(
                AbuseMeter(
                    rule: .spend, subject: "global", units: cost.units, limit: settings.spendCeilingPerHour,
                    shards: settings.shards))
        }
        if settings.countrySpendCeilingPerHour > 0 {
            meters.append(
                AbuseMeter(
                    rule: .countrySpend, subject: cost.country, units: cost.units,
                    limit: settings.countrySpendCeilingPerHour, shards: settings.shards))
        }
        return meters
    }

    /// The prefix a start is counted under; nil when the rule is off or `RiskCheck=disable` skips it. (Safe-listed
    /// numbers are skipped by storage, which knows the Safe List.)
    public static func prefix(for request: StartRequest, settings: AbuseSettings) -> String? {
        guard settings.prefix.isOn, request.riskCheck == .enable else { return nil }
        return settings.prefix.prefix(of: request.to)
    }

    /// Every rule the tally fires, enforced ones first: a blocked prefix, then full counters.
    public static func judge(_ tally: AbuseTally, settings: AbuseSettings) -> [AbuseRefusal] {
        var refusals: [AbuseRefusal] = []
        if let prefix = tally.prefix {
            let figures = ["count": prefix.starts, "approved": prefix.approved, "limit": settings.prefix.minimumStarts]
            if prefix.blockedFor != nil {
                refusals.append(refusal(.prefix, figures, .phoneBlocked, settings: settings))
            } else if settings.prefix.blocks(starts: prefix.starts, approved: prefix.approved) {
                var fired = refusal(.prefix, figures, .phoneBlocked, settings: settings)
                if fired.enforced { fired.blocksPrefix = prefix.prefix }
                refusals.append(fired)
            }
        }
        for meter in tally.meters where !meter.took {
            refusals.append(
                refusal(
                    meter.meter.rule, ["count": meter.total, "limit": meter.meter.limit], .rateLimitExceeded,
                    retryAfter: meter.secondsUntilWindowEnds, settings: settings))
        }
        return refusals.filter(\.enforced) + refusals.filter { !$0.enforced }
    }

    /// The answer names its rule, so that the refusal is counted by it and not as the reason it answers with.
    private static func refusal(
        _ rule: AbuseRule, _ figures: [String: Int], _ reason: VerifyError.Reason, retryAfter: Int? = nil,
        settings: AbuseSettings
    ) -> AbuseRefusal {
        AbuseRefusal(
            rule: rule, enforced: !settings.recordOnly.contains(rule), figures: figures,
            error: VerifyError(reason, retryAfter: retryAfter, rule: RefusalRule(rule)), blocksPrefix: nil)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
