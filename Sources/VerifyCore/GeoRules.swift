/// One layer of geo permissions for one channel: regions named on, regions named off, and what `*` says about the
/// rest. Layers stack (a service's over the global settings over the built-in defaults); the first layer with an
/// opinion on a region decides it, and within a layer a region named beats `*`.
public struct GeoRules: Sendable, Hashable {
    public private(set) var allowed: Set<RegionCode>
    public private(set) var denied: Set<RegionCode>
    /// `*` in the allow list (true) or in the deny list (false); nil leaves unnamed regions to the layer below.
    public private(set) var others: Bool?

    /// A layer with no opinion on any region.
    public static let none = GeoRules()

    public init() {
        allowed = []
        denied = []
        others = nil
    }

    /// Reads the two lists as operators write them: ISO 3166-1 alpha-2 codes (`GB`, `jm`) or `001` for the
    /// non-geographic ranges, and `*` for every region not named, separated by commas; empty says nothing.
    public init(allow: some StringProtocol, deny: some StringProtocol) throws(GeoRulesError) {
        let (allowed, allowAll) = try Self.parse(allow, list: "allow")
        let (denied, denyAll) = try Self.parse(deny, list: "deny")
        if allowAll && denyAll { throw GeoRulesError(.starInBoth) }
        if let both = allowed.intersection(denied).min() { throw GeoRulesError(.regionInBoth(both)) }
        self.allowed = allowed
        self.denied = denied
        self.others = allowAll ? true : denyAll ? false : nil
    }

    init(allowed: Set<RegionCode>, denied: Set<RegionCode>, others: Bool?) {
        self.allowed = allowed
        self.denied = denied
        self.others = others
    }

    /// Whether this layer lets `region` through, or nil when it leaves the region to the layer below.
    public func verdict(for region: RegionCode) -> Bool? {
        if allowed.contains(region) { return true }
        if denied.contains(region) { return false }
        return others
    }

    /// The allow list as `init(allow:deny:)` reads it: `*` first, then the codes in order.
    public var allowList: String { Self.list(allowed, star: others == true) }
    /// The deny list as `init(allow:deny:)` reads it.
    public var denyList: String { Self.list(denied, star: others == false) }

    public var isEmpty: Bool { self == .none }

    private static func list(_ regions: Set<RegionCode>, star: Bool) -> String {
        ((star ? ["*"] : []) + regions.sorted().map(\.code)).joined(separator: ",")
    }

    private static func parse(_ text: some StringProtocol, list: String) throws(GeoRulesError) -> (
        Set<RegionCode>, Bool
    ) {
        var regions: Set<RegionCode> = []
        var star = false
        for item in text.split(separator: ",") {
            let trimmed = String(item).trimmingWhitespace
            if trimmed.isEmpty { continue }
            if trimmed == "*" {
                star = true
            } else if let region = RegionCode(trimmed) {
                regions.insert(region)
            } else {
                throw GeoRulesError(.notARegion(String(trimmed.prefix(8)), list: list))
            }
        }
        return (regions, star)
    }
}

/// Why a pair of geo lists cannot be read.
public struct GeoRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    fileprivate enum Reason: Sendable, Equatable {
        case notARegion(String, list: String)
        case regionInBoth(RegionCode)
        case starInBoth
    }

    fileprivate let reason: Reason

    fileprivate init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .notARegion(let text, let list):
            "\"\(text)\" in the \(list) list is not a region (two letters as ISO 3166-1, 001, or *)"
        case .regionInBoth(let region): "\(region) is in both the allow and the deny list"
        case .starInBoth: "* is in both the allow and the deny list"
        }
    }
}
