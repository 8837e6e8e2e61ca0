import Foundation
import VerifyCore

extension AbuseSettings {
    /// The limits alone, for `verifyd check`, which judges spend against the ceilings `serve` runs with.
    public static func fromEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> AbuseSettings {
        var reader = EnvironmentReader(environment)
        let settings = read(&reader)
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
        return settings
    }

    /// Issue 9's limits as `serve` runs them: on by default except the spend ceilings, whose figures only the
    /// operator knows (see `.env.example`).
    static func read(_ reader: inout EnvironmentReader) -> AbuseSettings {
        let prefix = PrefixRule(
            droppedDigits: reader.integer("VERIFYD_PREFIX_DROPPED_DIGITS", default: 3, in: 1...8),
            minimumStarts: reader.integer("VERIFYD_PREFIX_MIN_STARTS_PER_HOUR", default: 20, in: 0...1_000_000),
            minimumApprovedPercent: reader.integer("VERIFYD_PREFIX_MIN_APPROVED_PERCENT", default: 10, in: 0...100),
            blockSeconds: reader.integer("VERIFYD_PREFIX_BLOCK_SECONDS", default: 3600, in: 60...604_800))
        let costs = reader.parsed(
            "VERIFYD_SPEND_COSTS", "comma-separated E.164 prefixes without + and their units (44=3,1876=25)",
            required: false, SpendCosts.init(list:))
        let recordOnly = reader.parsed(
            "VERIFYD_ABUSE_RECORD_ONLY",
            "a comma-separated list of \(AbuseRule.allCases.map(\.rawValue).joined(separator: ", "))", required: false
        ) { text -> Set<AbuseRule>? in
            let rules = text.split(separator: ",").map { AbuseRule(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
            return rules.contains(nil) ? nil : Set(rules.compactMap { $0 })
        }
        return AbuseSettings(
            deviceIPStartsPerHour: reader.integer("VERIFYD_DEVICE_IP_STARTS_PER_HOUR", default: 20, in: 0...1_000_000),
            apiKeyStartsPerHour: reader.integer(
                "VERIFYD_API_KEY_STARTS_PER_HOUR", default: 100_000, in: 0...100_000_000),
            apiKeyChecksPerHour: reader.integer(
                "VERIFYD_API_KEY_CHECKS_PER_HOUR", default: 200_000, in: 0...100_000_000),
            prefix: prefix,
            spendCeilingPerHour: reader.integer("VERIFYD_SPEND_CEILING_PER_HOUR", default: 0, in: 0...1_000_000_000),
            countrySpendCeilingPerHour: reader.integer(
                "VERIFYD_COUNTRY_SPEND_CEILING_PER_HOUR", default: 0, in: 0...1_000_000_000),
            costs: costs ?? SpendCosts(), recordOnly: recordOnly ?? [],
            shards: reader.integer("VERIFYD_COUNTER_SHARDS", default: 64, in: 1...256))
    }
}
