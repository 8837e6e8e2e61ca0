/// Which regions codes may be sent to, for SMS and for calls separately: one layer (the global settings, or one
/// service's overrides). Regions are libphonenumber's, never calling codes: +1 alone is 25 regions.
public struct GeoPermissions: Sendable, Hashable {
    public var sms: GeoRules
    public var voice: GeoRules

    public init(sms: GeoRules = .none, voice: GeoRules = .none) {
        self.sms = sms
        self.voice = voice
    }

    /// A layer with no opinion: what a service without overrides has.
    public static let none = GeoPermissions()

    public subscript(channel: Channel) -> GeoRules {
        switch channel {
        case .sms: sms
        case .call: voice
        }
    }

    public var isEmpty: Bool { sms.isEmpty && voice.isEmpty }

    /// The destinations Twilio calls high-risk for SMS, which an account cannot turn on through Messaging Geo
    /// Permissions but only in its Console (error 30649: Bangladesh, Israel, Nigeria, Pakistan, the Palestinian
    /// Territories, Sri Lanka, Azerbaijan, Tajikistan, Oman, Tunisia, Algeria; see the README). They stay off for
    /// calls too: a call costs more than a message, and toll fraud aims at the same routes.
    public static let highRiskRegions: Set<RegionCode> = Set(
        ["BD", "IL", "NG", "PK", "PS", "LK", "AZ", "TJ", "OM", "TN", "DZ"].compactMap { RegionCode($0) })

    /// The layer under every other: all regions on except the high-risk ones, for both channels.
    public static let defaults: GeoPermissions = {
        let rules = GeoRules(allowed: [], denied: highRiskRegions, others: true)
        return GeoPermissions(sms: rules, voice: rules)
    }()
}
