import Foundation

/// A Service Rate Limit (`RK…`): a key a start may be metered by, named by the developer (`end_user_ip_address`).
/// Its buckets say how many starts one value of the key may make per interval.
public struct RateLimit: Sendable, Equatable {
    public var sid: RateLimitSid
    public var serviceSid: ServiceSid
    public var uniqueName: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        sid: RateLimitSid, serviceSid: ServiceSid, uniqueName: String, description: String?, createdAt: Date,
        updatedAt: Date
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.uniqueName = uniqueName
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Twilio caps the rate limits of a service (60207) without saying how many; ten keys is more than its guide's
    /// examples use, and bounds what one start costs (every bucket of every named limit is counted).
    public static let maximumPerService = 10
    /// Twilio's 60209: alphanumerics, `-`, `_` and `.`; the length is verifyd's choice (Twilio states none).
    public static let uniqueNameLengths = 1...64
    /// Twilio states no limit; a description is for people.
    public static let descriptionLengths = 0...255

    public static func isValidUniqueName(_ name: String) -> Bool {
        uniqueNameLengths.contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                byte.isASCIIAlphanumeric || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: ".")
            }
    }

    /// Printable text of at most 255 characters: no control character, which would travel into every listing.
    public static func isValidDescription(_ text: String) -> Bool {
        descriptionLengths.contains(text.unicodeScalars.count)
            && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}

/// A bucket (`BL…`) of a rate limit: at most `max` starts per value of the key in each window of `interval` seconds.
public struct RateLimitBucket: Sendable, Equatable {
    public var sid: BucketSid
    public var rateLimitSid: RateLimitSid
    public var serviceSid: ServiceSid
    public var max: Int
    public var interval: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        sid: BucketSid, rateLimitSid: RateLimitSid, serviceSid: ServiceSid, max: Int, interval: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.sid = sid
        self.rateLimitSid = rateLimitSid
        self.serviceSid = serviceSid
        self.max = max
        self.interval = interval
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Twilio caps the buckets of a rate limit (60210) without saying how many; each needs its own interval
    /// (60211), and five velocities (a minute, an hour, a day …) cover what its guide describes.
    public static let maximumPerRateLimit = 5
    /// A start is counted at least once; a million per window is far past any per-key use.
    public static let maxRange = 1...1_000_000
    /// One second to one day: a counter row lives one interval, so the longest interval bounds the table.
    public static let intervalRange = 1...86_400
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}
