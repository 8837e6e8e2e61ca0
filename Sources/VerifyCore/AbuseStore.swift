import Foundation

/// What issue 9's counters hold, for operators and the monitoring check; the counting itself happens inside a
/// start's transaction (`VerificationStore.start`).
public protocol AbuseStore: Sendable {
    /// Prefixes blocked now, longest-blocked first.
    func prefixBlocks() async throws -> [PrefixBlock]
    /// Lifts the block on `prefix` at once, on every instance; false when it was not blocked.
    func liftBlock(prefix: String) async throws -> Bool
    /// This hour's spend against its ceilings: the global figure first, then each country that spent.
    func spend(settings: AbuseSettings) async throws -> [SpendReading]
    /// Deletes up to `limit` ended counter windows, lapsed blocks and refusal records a day old; returns how many.
    func deleteEnded(limit: Int) async throws -> Int
}

/// A prefix the prefix rule blocked, and the figures that blocked it.
public struct PrefixBlock: Sendable, Equatable {
    public var prefix: String
    public var blockedAt: Date
    public var blockedUntil: Date
    public var starts: Int
    public var approved: Int

    public init(prefix: String, blockedAt: Date, blockedUntil: Date, starts: Int, approved: Int) {
        self.prefix = prefix
        self.blockedAt = blockedAt
        self.blockedUntil = blockedUntil
        self.starts = starts
        self.approved = approved
    }
}

/// Cost units sent this hour under one ceiling: `global`, or a country of the cost table (`other` for the rest).
/// A ceiling of 0 is off.
public struct SpendReading: Sendable, Equatable {
    public var subject: String
    public var spent: Int
    public var ceiling: Int
    public var secondsUntilWindowEnds: Int

    public init(subject: String, spent: Int, ceiling: Int, secondsUntilWindowEnds: Int) {
        self.subject = subject
        self.spent = spent
        self.ceiling = ceiling
        self.secondsUntilWindowEnds = secondsUntilWindowEnds
    }
}
