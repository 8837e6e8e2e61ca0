import Foundation

/// Where a page of a list starts: after this item in creation order (keyset paging, as Twilio's `PageToken`).
public struct PageCursor<Kind: SidKind>: Sendable, Equatable {
    public var createdAtMicroseconds: Int64
    public var sid: Sid<Kind>

    public init(createdAtMicroseconds: Int64, sid: Sid<Kind>) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.sid = sid
    }

    /// The cursor after an item created at `createdAt`; microseconds, as PostgreSQL keeps timestamps.
    public init(after sid: Sid<Kind>, createdAt: Date) {
        self.init(createdAtMicroseconds: Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded()), sid: sid)
    }
}
