/// Storage for verifications. Each call is one transaction that reads the state under row locks and decides on it
/// there (a start by `VerificationPolicy`, a check in the same statement that writes it), so the rules hold across
/// any number of instances.
public protocol VerificationStore: Sendable {
    /// Creates a verification, or re-sends the pending one, and writes its delivery attempt, all in one transaction.
    /// `prepare` runs inside it once the service is known, with whether the number is on the Safe List (to screen
    /// and validate the request against the service and seal a new code), and may throw. Refusals throw `VerifyError`.
    /// The start counts against every bucket of the Service Rate Limits its `meteredKeys` name, in the same
    /// transaction and all or nothing: a full bucket (`rateLimitExceeded`) or a name the service has no rate limit
    /// for (`RateLimits`) refuses it, and a refused start is counted in none.
    ///
    /// Under an `Idempotency-Key` the answer is stored in the same transaction, and a request whose key already
    /// answered gets that answer instead (or `idempotencyKeyReused`, for other parameters).
    func start(
        _ request: StartRequest, settings: Verifier.Settings, idempotency: IdempotentRequest?,
        prepare: @escaping @Sendable (_ service: VerifyService, _ isSafeListed: Bool) throws -> PreparedCode
    ) async throws -> IdempotentOutcome<PendingCode>

    /// Counts a check attempt and approves or rejects it under row locks, within the per-verification attempts and
    /// the per-(service, phone) cap on consecutive failures. `candidates` gives the candidate code's HMACs for the
    /// verification's number (storage never sees the code). Throws `VerifyError` for 404 and 429 answers.
    /// Under an `Idempotency-Key`, as `start`.
    func check(
        _ command: CheckCommand, idempotency: IdempotentRequest?,
        candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates
    ) async throws -> IdempotentOutcome<Verification>

    /// The verification while it is live (pending or out of attempts, within its validity), else nil.
    func verification(_ sid: VerificationSid, service: ServiceSid) async throws -> Verification?

    /// Moves a pending verification to `approved` or `canceled`; a verification out of attempts is returned as it
    /// is. Nil when nothing live has that SID.
    func update(_ sid: VerificationSid, service: ServiceSid, to status: VerificationStatus) async throws
        -> Verification?

    /// What a voice call needs to read a pending verification's code, or nil when it is no longer pending or `call`
    /// is not a call placed for it that is still going on (its attempt `sent`, with `call` as its provider SID).
    func pendingCode(_ sid: VerificationSid, call: String) async throws -> PendingCode?

    /// Marks up to `limit` pending verifications past their validity `expired` and erases their ciphertext; returns
    /// the channel and number of each, for the metrics. Verifications are also expired when touched; this sweep
    /// erases codes nobody asks about again.
    func expireOverdue(limit: Int) async throws -> [(channel: Channel, to: PhoneNumber)]

    /// Deletes up to `limit` idempotency answers past their 24 hours; returns how many.
    func deleteExpiredIdempotencyKeys(limit: Int) async throws -> Int
}

extension VerificationStore {
    /// A start without an `Idempotency-Key`.
    public func start(
        _ request: StartRequest, settings: Verifier.Settings,
        prepare: @escaping @Sendable (_ service: VerifyService, _ isSafeListed: Bool) throws -> PreparedCode
    ) async throws -> PendingCode {
        try await start(request, settings: settings, idempotency: nil, prepare: prepare).acted
    }

    /// A check without an `Idempotency-Key`.
    public func check(_ command: CheckCommand, candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates)
        async throws -> Verification
    {
        try await check(command, idempotency: nil, candidates: candidates).acted
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

/// What a new verification stores that depends on its service, made inside the start transaction: a new code and
/// how it is sealed, and the number's lookup when the service has `LookupEnabled`.
public struct PreparedCode: Sendable {
    public var code: OneTimeCode
    public var sealed: SealedCode
    public var lookup: NumberLookup?

    public init(code: OneTimeCode, sealed: SealedCode, lookup: NumberLookup? = nil) {
        self.code = code
        self.sealed = sealed
        self.lookup = lookup
    }
}

/// A pending verification's code and what sending it or reading it aloud needs: what a start made or re-sent, what a
/// dispatcher claimed, what a voice call reads.
public struct PendingCode: Sendable {
    public enum Code: Sendable {
        /// Made by this start, so nothing needs opening.
        case new(OneTimeCode)
        /// Stored: opened with the key that sealed it.
        case sealed(ciphertext: [UInt8], keyID: String)
    }

    public var verification: Verification
    public var service: VerifyService
    public var customFriendlyName: String?
    public var appHash: String?
    public var code: Code
    /// Seconds of validity left by the database clock.
    public var secondsUntilExpiry: Int

    public init(
        verification: Verification, service: VerifyService, customFriendlyName: String?, appHash: String?,
        code: Code, secondsUntilExpiry: Int
    ) {
        self.verification = verification
        self.service = service
        self.customFriendlyName = customFriendlyName
        self.appHash = appHash
        self.code = code
        self.secondsUntilExpiry = secondsUntilExpiry
    }

    /// The name messages use: the verification's `CustomFriendlyName`, else the service's.
    public var serviceName: String { customFriendlyName ?? service.settings.friendlyName }
}

/// Where a code check looks: by phone number or by verification SID, and the per-(service, phone) cap on
/// consecutive failed checks it must stay within. The code itself stays with the caller, which hands storage only
/// its HMACs.
public struct CheckCommand: Sendable {
    public enum Target: Sendable, Equatable {
        case phone(PhoneNumber)
        case sid(VerificationSid)
    }

    public var service: ServiceSid
    public var target: Target
    /// Consecutive failed checks per (service, phone) after which every check is refused, right code or not.
    public var failureCap: Int
    /// The prefix rule an approval is counted for (its approved share keeps a prefix from being blocked).
    public var prefixRule: PrefixRule
    /// The credential's hourly check counter, taken before the code is compared; nil when the limit is off.
    public var meter: AbuseMeter?
    /// Judges the meter's tally (`AbusePolicy.judge`): whether a full counter refuses the check or is only recorded.
    public var abuse: AbuseSettings

    public init(
        service: ServiceSid, target: Target, failureCap: Int, prefixRule: PrefixRule = .off, meter: AbuseMeter? = nil,
        abuse: AbuseSettings = .off
    ) {
        self.service = service
        self.target = target
        self.failureCap = failureCap
        self.prefixRule = prefixRule
        self.meter = meter
        self.abuse = abuse
    }
}
