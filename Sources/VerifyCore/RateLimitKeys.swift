/// The `RateLimits` of a start: for each rate limit it names (by unique name), the value this start is counted
/// under, such as the end user's IP address or account id.
///
/// The values may identify a person, so `description` names the rate limits only, and the database never sees a
/// value: counters are keyed by `CodeKeyring.rateLimitDigest(of:)`.
public struct RateLimitKeys: Sendable, Equatable, CustomStringConvertible {
    /// Unique name → value.
    public let values: [String: String]

    /// Values are 1–256 characters without control characters (Twilio states no rule); nil when a name or a value
    /// breaks the rules, or when more rate limits are named than a service can have.
    public init?(_ values: [String: String]) {
        guard values.count <= RateLimit.maximumPerService,
            values.allSatisfy({ RateLimit.isValidUniqueName($0.key) && Self.isValidValue($0.value) })
        else { return nil }
        self.values = values
    }

    public static let valueLengths = 1...256

    static func isValidValue(_ value: String) -> Bool {
        valueLengths.contains(value.unicodeScalars.count)
            && !value.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The unique names, sorted.
    public var names: [String] { values.keys.sorted() }

    public var description: String { "rate limits \(names)" }

    /// What the counters are keyed by: each unique name with the keyed digest of its value.
    public func metered(by keyring: CodeKeyring) -> [MeteredKey] {
        names.map { MeteredKey(uniqueName: $0, digest: keyring.rateLimitDigest(of: values[$0] ?? "")) }
    }
}

/// A rate limit's unique name and the digest of the value a start is counted under.
public struct MeteredKey: Sendable, Equatable {
    public var uniqueName: String
    /// 32 bytes of HMAC-SHA256.
    public var digest: [UInt8]

    public init(uniqueName: String, digest: [UInt8]) {
        self.uniqueName = uniqueName
        self.digest = digest
    }
}
