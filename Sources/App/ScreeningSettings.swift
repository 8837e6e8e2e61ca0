import Foundation
import Logging
import PhoneNumberMetadata
import VerifyCore

/// The operator's rules for destinations (`VERIFYD_GEO_*`, line types, record-only rules) and the region national
/// numbers are read in, checked against the phone-number metadata this binary carries.
public struct ScreeningSettings: Sendable {
    public var screening: StartScreening
    /// The main region of `VERIFYD_DEFAULT_COUNTRY_CODE` (`US` for 1, `GB` for 44).
    public var defaultRegion: RegionCode?

    static func read(_ reader: inout EnvironmentReader, numbers: LibPhoneNumberIntelligence) -> ScreeningSettings {
        let known = numbers.supportedRegions
        func geoRules(_ channel: String) -> GeoRules {
            let allowName = "VERIFYD_GEO_ALLOW_\(channel)"
            let denyName = "VERIFYD_GEO_DENY_\(channel)"
            do {
                let rules = try GeoRules(allow: reader.optional(allowName) ?? "", deny: reader.optional(denyName) ?? "")
                if let unknown = Self.unknownRegions(rules, known: known) {
                    reader.problem("\(allowName) and \(denyName) \(unknown)")
                }
                return rules
            } catch {
                reader.problem("\(allowName) and \(denyName): \(error)")
                return .none
            }
        }
        let geo = GeoPermissions(sms: geoRules("SMS"), voice: geoRules("VOICE"))
        let refused =
            reader.parsed(
                "VERIFYD_REFUSED_LINE_TYPES",
                "none, or comma-separated line types of "
                    + LineType.allCases.filter { $0 != .unknown }.map(\.rawValue).joined(separator: ", "),
                required: false, lineTypes) ?? StartScreening.defaultRefusedLineTypes
        let recordOnly =
            reader.parsed(
                "VERIFYD_RECORD_ONLY_RULES",
                "none, or comma-separated rules of "
                    + StartScreening.Rule.recordable.map(\.rawValue).sorted()
                    .joined(separator: ", "),
                required: false, recordableRules) ?? []
        let screening = StartScreening(
            geo: geo, refusedLineTypes: refused,
            refuseUnknownNumbers: reader.boolean("VERIFYD_REFUSE_UNKNOWN_NUMBERS", default: true),
            recordOnly: recordOnly)

        let defaultRegion = reader.parsed(
            "VERIFYD_DEFAULT_COUNTRY_CODE", "a country calling code of 1 to 3 digits without +", required: false
        ) { text -> RegionCode? in
            guard (1...3).contains(text.count), text.allSatisfy(\.isASCIIDigit), let code = Int(text) else {
                return nil
            }
            // The calling code's main region: US for 1, GB for 44, RU for 7.
            return numbers.regions(forCallingCode: code).first { $0 != .nonGeographic }
        }
        return ScreeningSettings(screening: screening, defaultRegion: defaultRegion)
    }

    /// What is wrong with `rules` if they name a region no number has (a typo such as `UK`, which matches nothing
    /// instead of the United Kingdom), as a phrase for a problem; nil when every region exists.
    static func unknownRegions(_ rules: GeoRules, known: Set<RegionCode>) -> String? {
        let unknown = rules.allowed.union(rules.denied).subtracting(known).sorted()
        guard !unknown.isEmpty else { return nil }
        return "name regions no phone number has: " + unknown.map(\.code).joined(separator: ", ")
            + " (the United Kingdom is GB)"
    }

    /// Logs the effective configuration: which regions are off for each channel (before any service's overrides),
    /// and what the line-type rules refuse.
    func log(to logger: Logger) {
        let geo = screening.geo
        logger.info(
            "geo.permissions",
            metadata: [
                "sms_off": "\(Self.regionsOff(geo.sms))", "voice_off": "\(Self.regionsOff(geo.voice))",
                "record_only": "\(screening.recordOnly.contains(.geo))",
            ])
        logger.info(
            "number.screening",
            metadata: [
                "refused_line_types": "\(screening.refusedLineTypes.map(\.rawValue).sorted().joined(separator: ","))",
                "refuse_unknown": "\(screening.refuseUnknownNumbers)",
                "record_only": "\(screening.recordOnly.contains(.lineType))",
            ])
    }

    /// The regions `rules` leaves off over the defaults: `* except …` when it turns off every region it does not
    /// name, else the regions off, or `none`.
    static func regionsOff(_ rules: GeoRules) -> String {
        func list(_ regions: Set<RegionCode>) -> String { regions.sorted().map(\.code).joined(separator: ",") }
        if rules.others == false { return rules.allowed.isEmpty ? "*" : "* except " + list(rules.allowed) }
        let defaults = rules.others == true ? [] : GeoPermissions.highRiskRegions
        let off = defaults.union(rules.denied).subtracting(rules.allowed)
        return off.isEmpty ? "none" : list(off)
    }

    /// `none`, or line types by name; `unknown` has a setting of its own.
    private static func lineTypes(_ text: String) -> Set<LineType>? {
        guard text.lowercased() != "none" else { return [] }
        let types = text.split(separator: ",").map { LineType(rawValue: String($0).trimmed.lowercased()) }
        guard !types.contains(where: { $0 == nil || $0 == .unknown }) else { return nil }
        return Set(types.compactMap { $0 })
    }

    private static func recordableRules(_ text: String) -> Set<StartScreening.Rule>? {
        guard text.lowercased() != "none" else { return [] }
        let rules = text.split(separator: ",").map { StartScreening.Rule(rawValue: String($0).trimmed.lowercased()) }
        guard rules.allSatisfy({ $0.map(StartScreening.Rule.recordable.contains) == true }) else { return nil }
        return Set(rules.compactMap { $0 })
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespaces) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
