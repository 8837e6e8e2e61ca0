/// A Twilio-style identifier: two letters and 32 lowercase hex digits (`VA…`, `VE…`).
///
/// Identifiers of rows that belong to one phone number start with that number's bucket (four hex digits, see
/// `PhoneNumber.bucket`), so a lookup by SID can be routed to the phone's shard without knowing the number.
public struct Sid<Kind: SidKind>: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts the shape Twilio's API definitions allow (hex in either case) and keeps it as given. Inlinable so
    /// that callers in other modules get it specialised: unspecialised, it cost 60,000 instructions per start.
    @inlinable
    public init?(_ string: some StringProtocol) {
        guard string.utf8.count == 34, string.hasPrefix(Kind.prefix),
            string.utf8.dropFirst(2).allSatisfy(\.isHexDigit)
        else { return nil }
        self.rawValue = String(string)
    }

    private init(trusted: String) { self.rawValue = trusted }

    /// A new identifier from the system's CSPRNG.
    public static func random() -> Sid {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> Sid {
        Sid(
            trusted: Kind.prefix + hex(UInt64.random(in: .min ... .max, using: &generator))
                + hex(UInt64.random(in: .min ... .max, using: &generator)))
    }

    /// A new identifier that carries `bucket` in its first four hex digits; the other 112 bits are random.
    public static func random(bucket: Int) -> Sid {
        var generator = SystemRandomNumberGenerator()
        let random = random(using: &generator).rawValue
        let prefix = String(hex(UInt64(bucket & 0xFFFF)).suffix(4))
        return Sid(trusted: Kind.prefix + prefix + random.dropFirst(6))
    }

    /// The bucket carried by identifiers made with `random(bucket:)`.
    public var bucket: Int {
        Int(rawValue.dropFirst(2).prefix(4), radix: 16) ?? 0
    }

    public var description: String { rawValue }

    /// True when the hex digits are lowercase, as verifyd writes every SID.
    public var isLowercase: Bool {
        !rawValue.utf8.dropFirst(2).contains { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
    }

    public static func < (lhs: Sid, rhs: Sid) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// What a SID names; only the prefix differs.
public protocol SidKind: Sendable {
    static var prefix: String { get }
}

public enum AccountKind: SidKind { public static let prefix = "AC" }
public enum ServiceKind: SidKind { public static let prefix = "VA" }
public enum VerificationKind: SidKind { public static let prefix = "VE" }
public enum AttemptKind: SidKind { public static let prefix = "VL" }
public enum APIKeyKind: SidKind { public static let prefix = "SK" }
public enum RateLimitKind: SidKind { public static let prefix = "RK" }
public enum BucketKind: SidKind { public static let prefix = "BL" }
public enum SafeListKind: SidKind { public static let prefix = "GN" }

public typealias AccountSid = Sid<AccountKind>
public typealias ServiceSid = Sid<ServiceKind>
public typealias VerificationSid = Sid<VerificationKind>
public typealias AttemptSid = Sid<AttemptKind>
public typealias APIKeySid = Sid<APIKeyKind>
public typealias RateLimitSid = Sid<RateLimitKind>
public typealias BucketSid = Sid<BucketKind>
public typealias SafeListSid = Sid<SafeListKind>

extension UInt8 {
    @usableFromInline
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
