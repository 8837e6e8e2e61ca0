import Foundation

/// A verification as callers see it: everything but the code.
public struct Verification: Sendable, Equatable {
    public var sid: VerificationSid
    public var serviceSid: ServiceSid
    public var to: PhoneNumber
    public var channel: Channel
    public var status: VerificationStatus
    public var locale: String?
    public var checkAttempts: Int
    public var sendAttempts: [SendAttempt]
    public var createdAt: Date
    public var updatedAt: Date
    public var expiresAt: Date
    /// What the number's metadata said at creation, when the service had `LookupEnabled`.
    public var lookup: NumberLookup?

    public init(
        sid: VerificationSid, serviceSid: ServiceSid, to: PhoneNumber, channel: Channel, status: VerificationStatus,
        locale: String?, checkAttempts: Int, sendAttempts: [SendAttempt], createdAt: Date, updatedAt: Date,
        expiresAt: Date, lookup: NumberLookup? = nil
    ) {
        self.sid = sid
        self.serviceSid = serviceSid
        self.to = to
        self.channel = channel
        self.status = status
        self.locale = locale
        self.checkAttempts = checkAttempts
        self.sendAttempts = sendAttempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.lookup = lookup
    }

    /// Twilio's legacy flag: true exactly when approved.
    public var valid: Bool { status == .approved }
}

/// One send of a verification's code: an entry of `send_code_attempts`, backed by an outbox row.
public struct SendAttempt: Sendable, Equatable {
    public var sid: AttemptSid
    public var channel: Channel
    public var time: Date
    public var status: DeliveryStatus
    public var errorCode: Int?

    public init(sid: AttemptSid, channel: Channel, time: Date, status: DeliveryStatus, errorCode: Int? = nil) {
        self.sid = sid
        self.channel = channel
        self.time = time
        self.status = status
        self.errorCode = errorCode
    }
}
