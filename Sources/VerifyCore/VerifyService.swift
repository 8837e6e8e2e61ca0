import Foundation

/// A Verify service as stored: its SID, settings and dates.
public struct VerifyService: Sendable, Equatable {
    public var sid: ServiceSid
    public var settings: ServiceSettings
    public var createdAt: Date
    public var updatedAt: Date

    public init(sid: ServiceSid, settings: ServiceSettings, createdAt: Date, updatedAt: Date) {
        self.sid = sid
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
