import Foundation

/// Reads delivery attempts across the whole account, for the Attempts API and `verifyd stats`. These are operator
/// queries: they scan by time across every phone's bucket, unlike the hot paths, which name one.
public protocol AttemptStore: Sendable {
    /// Attempts matching `filter`, newest first: those before `cursor` when given, else from `offset`.
    func attempts(matching filter: AttemptFilter, before cursor: AttemptPageCursor?, offset: Int, limit: Int)
        async throws -> [VerificationAttempt]

    /// One attempt by SID, nil when there is none.
    func attempt(_ sid: AttemptSid) async throws -> VerificationAttempt?

    /// How many attempts match `filter` and how many of them converted.
    func totals(matching filter: AttemptFilter) async throws -> AttemptTotals

    /// Attempts per UTC day, service and destination region, from `first` through `last` (both days included);
    /// nil bounds mean the last seven days by the database clock, today included.
    func dailyCounts(from first: CalendarDay?, through last: CalendarDay?) async throws -> [AttemptDailyCounts]
}

/// The filters of `GET /v2/Attempts` and `/v2/Attempts/Summary`; nil matches everything.
public struct AttemptFilter: Sendable, Equatable {
    /// Created at or after (`DateCreatedAfter`).
    public var createdFrom: Date?
    /// Created before (`DateCreatedBefore`).
    public var createdBefore: Date?
    public var to: PhoneNumber?
    public var region: RegionCode?
    /// One of Twilio's channel names; those verifyd never sends (`email`, `whatsapp`, `rbm`) match nothing.
    public var channel: String?
    public var service: ServiceSid?
    public var verification: VerificationSid?
    public var converted: Bool?
    /// Digits the number starts with after its `+` (`DestinationPrefix`).
    public var destinationPrefix: String?

    public init(
        createdFrom: Date? = nil, createdBefore: Date? = nil, to: PhoneNumber? = nil, region: RegionCode? = nil,
        channel: String? = nil, service: ServiceSid? = nil, verification: VerificationSid? = nil,
        converted: Bool? = nil, destinationPrefix: String? = nil
    ) {
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.to = to
        self.region = region
        self.channel = channel
        self.service = service
        self.verification = verification
        self.converted = converted
        self.destinationPrefix = destinationPrefix
    }
}

/// Where a page of attempts continues: before the last attempt shown, in (created_at, sid) order.
public struct AttemptPageCursor: Sendable, Hashable {
    public var createdAtMicroseconds: Int64
    public var sid: AttemptSid

    public init(createdAtMicroseconds: Int64, sid: AttemptSid) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.sid = sid
    }
}

/// One line of `verifyd stats`: a UTC day's attempts for one service and destination region.
public struct AttemptDailyCounts: Sendable, Equatable {
    public var day: CalendarDay
    public var service: ServiceSid
    public var region: RegionCode?
    /// Verifications with an attempt that day.
    public var started: Int
    /// The attempts and their conversions, as the Summary counts them.
    public var totals: AttemptTotals

    public init(day: CalendarDay, service: ServiceSid, region: RegionCode?, started: Int, totals: AttemptTotals) {
        self.day = day
        self.service = service
        self.region = region
        self.started = started
        self.totals = totals
    }
}
