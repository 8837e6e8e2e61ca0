/// A number on the Safe List (`GN…`): account-wide, it skips the geo, prefix and line-type rules (never the spend
/// guard nor the attempt and send caps). Its SID carries the number's bucket, so it must not be logged either.
public struct SafeListEntry: Sendable, Equatable {
    public var sid: SafeListSid
    public var phone: PhoneNumber

    public init(sid: SafeListSid, phone: PhoneNumber) {
        self.sid = sid
        self.phone = phone
    }
}

/// Storage for the Safe List; every statement is keyed by the number's bucket.
public protocol SafeListStore: Sendable {
    /// Adds `phone`; a number already listed is refused (60411) and stays as it was.
    func add(_ phone: PhoneNumber) async throws -> SafeListEntry
    func entry(_ phone: PhoneNumber) async throws -> SafeListEntry?
    /// False when the number was not listed.
    func remove(_ phone: PhoneNumber) async throws -> Bool
}

extension SafeListStore {
    /// Whether `phone` is listed: the start path's question.
    public func contains(_ phone: PhoneNumber) async throws -> Bool { try await entry(phone) != nil }
}
