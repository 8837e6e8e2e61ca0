import Foundation

/// Issue 9's limits beyond the destination number, all per hour and counted in PostgreSQL: per end-user network
/// (`DeviceIp`), per API key, per number prefix (as Fraud Guard blocks prefixes), and the spend guard. Zero turns a
/// limit off. The domain's default is everything off; `serve` reads the operator's settings (see `.env.example`).
public struct AbuseSettings: Sendable, Equatable {
    /// Starts per hour from one end-user network: an IPv4 address, or the /64 of an IPv6 address.
    public var deviceIPStartsPerHour: Int
    /// Starts per hour with one credential (the root account or one API key).
    public var apiKeyStartsPerHour: Int
    /// Checks per hour with one credential: with the per-number failure cap, what bounds guessing across numbers.
    public var apiKeyChecksPerHour: Int
    public var prefix: PrefixRule
    /// Cost units per hour over all sends (messages and calls), and per country of the cost table.
    public var spendCeilingPerHour: Int
    public var countrySpendCeilingPerHour: Int
    public var costs: SpendCosts
    /// Rules that only record what they would refuse, to try them on live traffic.
    public var recordOnly: Set<AbuseRule>
    /// Counter rows per hot counter (one API key, the spend guard): starts take different rows, so none waits on
    /// another's commit.
    public var shards: Int

    public init(
        deviceIPStartsPerHour: Int = 0, apiKeyStartsPerHour: Int = 0, apiKeyChecksPerHour: Int = 0,
        prefix: PrefixRule = .off,
        spendCeilingPerHour: Int = 0, countrySpendCeilingPerHour: Int = 0, costs: SpendCosts = SpendCosts(),
        recordOnly: Set<AbuseRule> = [], shards: Int = 64
    ) {
        self.deviceIPStartsPerHour = deviceIPStartsPerHour
        self.apiKeyStartsPerHour = apiKeyStartsPerHour
        self.apiKeyChecksPerHour = apiKeyChecksPerHour
        self.prefix = prefix
        self.spendCeilingPerHour = spendCeilingPerHour
        self.countrySpendCeilingPerHour = countrySpendCeilingPerHour
        self.costs = costs
        self.recordOnly = recordOnly
        self.shards = shards
    }

    public static let off = AbuseSettings()
}

/// The rules that can refuse a start (or, for `apiKeyChecks`, a check), by the name refusal records and
/// `VERIFYD_ABUSE_RECORD_ONLY` use.
public enum AbuseRule: String, Sendable, CaseIterable {
    case deviceIP = "device_ip"
    case apiKey = "api_key"
    case apiKeyChecks = "api_key_checks"
    case prefix
    case spend
    case countrySpend = "country_spend"
}

/// Blocks a number prefix that sees many starts and few approvals: the shape of SMS pumping, where nobody reads
/// the codes. Defaults as Fraud Guard's documentation suggests a rule of thumb: 20 starts in an hour with under
/// 10 % approved block the prefix for an hour.
public struct PrefixRule: Sendable, Equatable {
    /// The prefix is the E.164 number without its last `droppedDigits` digits.
    public var droppedDigits: Int
    /// Zero turns the rule off.
    public var minimumStarts: Int
    public var minimumApprovedPercent: Int
    public var blockSeconds: Int

    public init(
        droppedDigits: Int = 3, minimumStarts: Int = 20, minimumApprovedPercent: Int = 10, blockSeconds: Int = 3600
    ) {
        self.droppedDigits = droppedDigits
        self.minimumStarts = minimumStarts
        self.minimumApprovedPercent = minimumApprovedPercent
        self.blockSeconds = blockSeconds
    }

    public static let off = PrefixRule(minimumStarts: 0)

    public var isOn: Bool { minimumStarts > 0 }

    /// Nil when the number is too short to keep a country code and a digit.
    public func prefix(of phone: PhoneNumber) -> String? {
        let kept = phone.e164.count - droppedDigits
        return kept >= 3 ? String(phone.e164.prefix(kept)) : nil
    }

    /// Whether a prefix that already saw `starts` starts this hour, `approved` of them approved, is to be blocked.
    public func blocks(starts: Int, approved: Int) -> Bool {
        isOn && starts >= minimumStarts && approved * 100 < starts * minimumApprovedPercent
    }
}

/// What a send costs, by E.164 prefix (`44=3,1876=25`): the operator's price list, so the spend ceiling can be
/// money. The longest matching prefix wins; a number no entry matches costs 1 unit and counts as country `other`.
public struct SpendCosts: Sendable, Equatable {
    /// Digits after `+` → units per send.
    public var units: [String: Int]

    public init(units: [String: Int] = [:]) {
        self.units = units
    }

    /// `44=3,1876=25`; nil when an entry is not digits `=` a positive integer.
    public init?(list: String) {
        var units: [String: Int] = [:]
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 15,
                parts[0].allSatisfy({ ("0"..."9").contains($0) }),
                let value = Int(parts[1]), (1...1_000_000).contains(value)
            else { return nil }
            units[parts[0]] = value
        }
        self.units = units
    }

    /// The country a send counts under (the matching prefix, or `other`) and its cost.
    public func cost(of phone: PhoneNumber) -> (country: String, units: Int) {
        let digits = phone.e164.dropFirst()
        for length in stride(from: min(digits.count, 15), through: 1, by: -1) {
            let prefix = String(digits.prefix(length))
            if let units = units[prefix] { return (prefix, units) }
        }
        return ("other", 1)
    }
}
