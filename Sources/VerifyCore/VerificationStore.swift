/// Storage for verifications. Each call is one transaction; implementations apply `VerificationPolicy` to the state
/// they read under row locks, so the rules hold across any number of instances.
public protocol VerificationStore: Sendable {
    /// Creates a verification, or re-sends the pending one, and writes its delivery attempt, all in one transaction.
    /// `prepare` runs inside it once the service is known (to validate the request against the service and seal a
    /// new code) and may throw `VerifyError`. Refusals throw `VerifyError`.
    func start(
        _ command: StartCommand,
        prepare: @escaping @Sendable (VerifyService) throws -> PreparedCode
    ) async throws -> StartOutcome

    /// Counts a check attempt and approves or rejects it under a row lock. `matches` compares the candidate with the
    /// stored code in constant time. Throws `VerifyError` for 404 and 429 answers.
    func check(_ command: CheckCommand, matches: @escaping @Sendable (StoredCode) -> Bool) async throws -> Verification

    /// The verification while it is live (pending or out of attempts, within its validity), else nil.
    func verification(_ sid: VerificationSid, service: ServiceSid) async throws -> Verification?

    /// Moves a pending verification to `approved` or `canceled`; a verification out of attempts is returned as it
    /// is. Nil when nothing live has that SID.
    func update(_ sid: VerificationSid, service: ServiceSid, to status: VerificationStatus) async throws
        -> Verification?

    /// What a voice call needs to read a pending verification's code, or nil when it is no longer pending.
    func pendingCode(_ sid: VerificationSid) async throws -> PendingCode?

    /// Marks up to `limit` pending verifications past their validity `expired` and erases their ciphertext; returns
    /// how many. Verifications are also expired when touched; this sweep erases codes nobody asks about again.
    func expireOverdue(limit: Int) async throws -> Int
}

/// A request to start or re-send a verification, already validated.
public struct StartCommand: Sendable {
    public var service: ServiceSid
    public var to: PhoneNumber
    public var channel: Channel
    public var locale: String?
    /// The SID a new verification gets, and the SID of this send's delivery attempt; both carry the phone's bucket.
    public var newSid: VerificationSid
    public var attemptSid: AttemptSid
    /// How many consecutive failed checks per (service, phone) refuse new verifications.
    public var failureCap: Int
    /// True to write the attempt already claimed by this instance (it sends right after commit); false to queue it.
    public var claimAttempt: Bool
    public var leaseSeconds: Int
    public var details: VerificationDetails

    public init(
        service: ServiceSid, to: PhoneNumber, channel: Channel, locale: String?, failureCap: Int,
        claimAttempt: Bool, leaseSeconds: Int, details: VerificationDetails = VerificationDetails()
    ) {
        self.service = service
        self.to = to
        self.channel = channel
        self.locale = locale
        self.newSid = .random(bucket: to.bucket)
        self.attemptSid = .random(bucket: to.bucket)
        self.failureCap = failureCap
        self.claimAttempt = claimAttempt
        self.leaseSeconds = leaseSeconds
        self.details = details
    }
}

/// Optional request fields kept with a verification.
public struct VerificationDetails: Sendable, Equatable {
    public var customFriendlyName: String?
    public var appHash: String?
    /// `Tags` as the JSON text the caller sent.
    public var tags: String?
    public var deviceIP: String?

    public init(customFriendlyName: String? = nil, appHash: String? = nil, tags: String? = nil, deviceIP: String? = nil)
    {
        self.customFriendlyName = customFriendlyName
        self.appHash = appHash
        self.tags = tags
        self.deviceIP = deviceIP
    }
}

/// A new code and how it is stored, made inside the start transaction.
public struct PreparedCode: Sendable {
    public var code: OneTimeCode
    public var sealed: SealedCode

    public init(code: OneTimeCode, sealed: SealedCode) {
        self.code = code
        self.sealed = sealed
    }
}

/// What `start` did: the verification (new or the pending one again) and how to get its code.
public struct StartOutcome: Sendable {
    public enum Code: Sendable {
        /// A new verification: its code is the prepared one.
        case new(OneTimeCode)
        /// The pending verification again: its code must be opened from the stored ciphertext.
        case stored(ciphertext: [UInt8], keyID: String)
    }

    public var verification: Verification
    public var service: VerifyService
    public var code: Code
    /// Seconds of validity left by the database clock.
    public var secondsUntilExpiry: Int

    public init(verification: Verification, service: VerifyService, code: Code, secondsUntilExpiry: Int) {
        self.verification = verification
        self.service = service
        self.code = code
        self.secondsUntilExpiry = secondsUntilExpiry
    }
}

/// Where a code check looks: by phone number or by verification SID. The code itself stays with the caller's
/// `matches` closure, so storage never holds it.
public struct CheckCommand: Sendable {
    public enum Target: Sendable, Equatable {
        case phone(PhoneNumber)
        case sid(VerificationSid)
    }

    public var service: ServiceSid
    public var target: Target

    public init(service: ServiceSid, target: Target) {
        self.service = service
        self.target = target
    }
}

/// The sealed code of a pending verification and what reading it aloud needs.
public struct PendingCode: Sendable {
    public var verification: Verification
    public var service: VerifyService
    public var customFriendlyName: String?
    public var ciphertext: [UInt8]
    public var keyID: String

    public init(
        verification: Verification, service: VerifyService, customFriendlyName: String?, ciphertext: [UInt8],
        keyID: String
    ) {
        self.verification = verification
        self.service = service
        self.customFriendlyName = customFriendlyName
        self.ciphertext = ciphertext
        self.keyID = keyID
    }
}
