/// A region as phone-number metadata names it: an ISO 3166-1 alpha-2 code (`US`, `JM`, `GB`), or `001` for the
/// non-geographic ranges (+800 freephone, +882 and +883 international networks, satellite services).
///
/// Geo permissions decide by region, not by calling code: +1 alone covers the United States, Canada and some twenty
/// Caribbean and Pacific regions.
public struct RegionCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let code: String

    /// The ranges that belong to no country, which the metadata calls "001" (the UN M.49 code for World).
    public static let nonGeographic = RegionCode(trusted: "001")

    /// Accepts two ASCII letters in either case (kept upper-case), or `001`. Refuses `ZZ`: the metadata answers it
    /// for "no region", which a lookup reports as no region at all rather than as a region one could allow.
    public init?(_ string: some StringProtocol) {
        if string == "001" {
            self = .nonGeographic
            return
        }
        let isASCIILetter = { (byte: UInt8) in (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        guard string.utf8.count == 2, string.utf8.allSatisfy(isASCIILetter) else { return nil }
        let upper = string.uppercased()
        guard upper != "ZZ" else { return nil }
        self.code = upper
    }

    private init(trusted: String) { self.code = trusted }

    public var description: String { code }

    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool { lhs.code < rhs.code }
}
