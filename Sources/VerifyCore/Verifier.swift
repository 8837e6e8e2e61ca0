import Logging

/// The verification use cases: start, check, fetch, update. It validates requests, makes and seals codes, and hands
/// codes to the sender after the storage transaction committed, never inside it.
public struct Verifier: Sendable {
    public struct Settings: Sendable {
        /// Consecutive failed checks per (service, phone) after which every check and every new verification is
        /// refused until a success, an unblock or 24 quiet hours (NIST's ceiling is 100).
        public var phoneFailureCap: Int
        /// Send right after commit (true) or leave the attempt to the dispatcher (false).
        public var sendImmediately: Bool
        /// How long an instance may take to send a claimed attempt before it is presumed dead.
        public var leaseSeconds: Int
        public var retryPolicy: RetryPolicy
        /// The operator's rules for destinations: geo permissions and line types.
        public var screening: StartScreening
        public var abuse: AbuseSettings

        public init(
            phoneFailureCap: Int = 100, sendImmediately: Bool = true, leaseSeconds: Int = 60,
            retryPolicy: RetryPolicy = RetryPolicy(), screening: StartScreening = StartScreening(),
            abuse: AbuseSettings = .off
        ) {
            self.phoneFailureCap = phoneFailureCap
            self.sendImmediately = sendImmediately
            self.leaseSeconds = leaseSeconds
            self.retryPolicy = retryPolicy
            self.screening = screening
            self.abuse = abuse
        }
    }

    let verifications: any VerificationStore
    let deliveries: any DeliveryStore
    let phones: any PhoneStore
    let sender: any CodeSender
    let keyring: CodeKeyring
    let numbers: any NumberIntelligence
    let recentServices: any ServiceSettingsMemo
    let safeList: any SafeListStore
    let settings: Settings
    /// Where verifications' and deliveries' outcomes are counted.
    public let metrics: any VerifyMetrics
    let logger: Logger

    public init(
        verifications: any VerificationStore, deliveries: any DeliveryStore, phones: any PhoneStore,
        sender: any CodeSender, keyring: CodeKeyring, numbers: any NumberIntelligence,
        recentServices: any ServiceSettingsMemo, safeList: any SafeListStore, settings: Settings,
        metrics: any VerifyMetrics = UncountedMetrics(), logger: Logger
    ) {
        self.verifications = verifications
        self.deliveries = deliveries
        self.phones = phones
        self.sender = sender
        self.keyring = keyring
        self.numbers = numbers
        self.recentServices = recentServices
        self.safeList = safeList
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    // MARK: Start

    public func start(_ request: StartRequest) async throws -> Verification {
        try await start(request, idempotency: nil).acted
    }

    /// A start that, under an `Idempotency-Key`, may answer what an earlier request under the key answered.
    public func start(_ unmetered: StartRequest, idempotency: IdempotentRequest?) async throws
        -> IdempotentOutcome<Verification>
    {
        guard sender.supports(unmetered.channel) else { throw VerifyError(.channelDisabled) }
        var metered = unmetered
        metered.meters = AbusePolicy.meters(for: unmetered, settings: settings.abuse, digest: keyring.rateLimitDigest)
        metered.meteredKeys = unmetered.rateLimits?.metered(by: keyring) ?? []
        let request = metered
        // Read once, before any database round trip (a lookup is some microseconds of CPU), and screened on before
        // anything is reserved or stored: with the service's settings as last seen here when there are any, and
        // again in the transaction on the row it reads.
        let destination = destination(of: request)
        try await screenEarly(destination, number: request.to)
        // With delivery down nothing is stored: the caller retries later instead of holding a verification that
        // cannot reach the phone.
        if let retryAfter = sender.retryAfterWhileUnavailable {
            throw VerifyError(.deliveryUnavailable, retryAfter: retryAfter)
        }
        // The send right after commit needs capacity that is there now: reserved before the transaction, it cannot
        // run out while the verification is stored, and at the cap the caller retries instead of waiting.
        var slot: (any DeliverySlot)?
        if settings.sendImmediately {
            guard let reserved = sender.reserve() else { throw VerifyError(.deliveryUnavailable, retryAfter: 1) }
            slot = reserved
        }
        let keyring = self.keyring
        var withDigests = request
        withDigests.erasedPhoneDigests = keyring.erasedPhoneDigests(of: request.to)
        let outcome = try await verifications.start(withDigests, settings: settings, idempotency: idempotency) {
            service, isSafeListed in
            recentServices.remember(service.settings, for: service.sid)
            try enforce(
                decide(destination, service: service.settings, safeListed: isSafeListed), destination, final: true)
            let lookup = service.settings.lookupEnabled ? NumberLookup(lineType: destination.facts.lineType) : nil
            return try Self.prepare(request, service: service, keyring: keyring, lookup: lookup)
        }
        let pending: PendingCode
        switch outcome {
        case .acted(let value):
            pending = value
        case .replayed(let answer):
            logger.info("verification.replayed", metadata: ["service": "\(request.service)", "route": "start"])
            return .replayed(answer)
        }
        let verification = pending.verification
        logger.info(
            "verification.started",
            metadata: [
                "sid": "\(verification.sid)", "service": "\(verification.serviceSid)", "to": "\(verification.to)",
                "channel": "\(verification.channel.rawValue)", "sends": "\(verification.sendAttempts.count)",
            ])
        // A start that resends a live verification's code is a send, not a new verification.
        if verification.sendAttempts.count == 1 {
            metrics.verification(.started, channel: verification.channel, country: destination.facts.region)
        }
        guard let slot else { return .acted(verification) }
        let message = try self.message(pending, attempt: request.attemptSid)
        return .acted(
            try await deliver(message, via: slot, priorTries: 0, isFirstAttempt: verification.sendAttempts.count == 1))
    }

    static func prepare(
        _ request: StartRequest, service: VerifyService, keyring: CodeKeyring, lookup: NumberLookup?
    ) throws -> PreparedCode {
        let code: OneTimeCode
        if let customCode = request.customCode {
            guard service.settings.customCodeEnabled else { throw VerifyError(.featureNotEnabled) }
            guard let custom = OneTimeCode(customCode) else { throw VerifyError.invalid("CustomCode") }
            code = custom
        } else {
            code = OneTimeCode.generate(length: service.settings.codeLength)
        }
        let sealed = try keyring.seal(code, sid: request.newSid, service: request.service, phone: request.to)
        return PreparedCode(code: code, sealed: sealed, lookup: lookup)
    }

    // MARK: Check, fetch, update

    /// Checks `code` against the live verification of `target`. A malformed code is refused as an invalid parameter
    /// without counting an attempt: no well-formed code can match it, so it reveals nothing.
    public func check(
        service: ServiceSid, target: CheckCommand.Target, code: String, credential: String = "root"
    ) async throws -> Verification {
        try await check(service: service, target: target, code: code, credential: credential, idempotency: nil).acted
    }

    /// A check that, under an `Idempotency-Key`, may answer what an earlier request under the key answered: a
    /// client whose approval was lost on the way gets it again, which Twilio's API (404 once approved) cannot give.
    public func check(
        service: ServiceSid, target: CheckCommand.Target, code: String, credential: String = "root",
        idempotency: IdempotentRequest?
    ) async throws -> IdempotentOutcome<Verification> {
        guard let candidate = OneTimeCode(code) else { throw VerifyError.invalid("Code") }
        let keyring = self.keyring
        let command = CheckCommand(
            service: service, target: target, failureCap: settings.phoneFailureCap, prefixRule: settings.abuse.prefix,
            meter: AbusePolicy.checkMeter(
                credential: credential, settings: settings.abuse, digest: keyring.rateLimitDigest),
            abuse: settings.abuse)
        let outcome = try await verifications.check(command, idempotency: idempotency) { phone in
            keyring.candidates(candidate, service: service, phone: phone)
        }
        guard case .acted(let verification) = outcome else {
            logger.info("verification.replayed", metadata: ["service": "\(service)", "route": "check"])
            return outcome
        }
        logger.info(
            "verification.checked",
            metadata: [
                "sid": "\(verification.sid)", "status": "\(verification.status.rawValue)",
                "attempts": "\(verification.checkAttempts)",
            ])
        countEnd(of: verification)
        return outcome
    }

    public func fetch(service: ServiceSid, sid: VerificationSid) async throws -> Verification {
        guard let verification = try await verifications.verification(sid, service: service) else {
            throw VerifyError(.notFound(.verification(service, sid)))
        }
        return verification
    }

    public func update(service: ServiceSid, sid: VerificationSid, status: VerificationStatus) async throws
        -> Verification
    {
        guard status == .approved || status == .canceled else { throw VerifyError.invalid("Status") }
        guard let verification = try await verifications.update(sid, service: service, to: status) else {
            throw VerifyError(.notFound(.verification(service, sid)))
        }
        logger.info("verification.updated", metadata: ["sid": "\(sid)", "status": "\(verification.status.rawValue)"])
        countEnd(of: verification)
        return verification
    }

    /// Counts a verification that a check or an update just ended as approved or out of attempts.
    private func countEnd(of verification: Verification) {
        let event: VerificationEvent? =
            switch verification.status {
            case .approved: .approved
            case .maxAttemptsReached: .maxAttemptsReached
            default: nil
            }
        if let event {
            metrics.verification(
                event, channel: verification.channel, country: numbers.region(for: verification.to))
        }
    }
}

/// A validated request to start a verification.
public struct StartRequest: Sendable {
    public var service: ServiceSid
    public var to: PhoneNumber
    public var channel: Channel
    public var locale: String?
    public var customCode: String?
    public var details: VerificationDetails
    /// The `RateLimits` the start is counted under, names checked against the service's rate limits.
    public var rateLimits: RateLimitKeys?
    /// Twilio's `RiskCheck`: `disable` skips the prefix rule, as Twilio's skips Fraud Guard.
    public var riskCheck: RiskCheck
    /// `CodeKeyring.erasedPhoneDigests(of: to)`, set by `Verifier.start`: an erased number that had opted out is
    /// known only by these.
    public var erasedPhoneDigests: [[UInt8]] = []
    public var origin: StartOrigin
    /// The counters of issue 9's limits this start takes, set by `Verifier.start` from `origin`.
    public var meters: [AbuseMeter] = []
    /// `rateLimits` as the Service Rate Limits' buckets count them, each value by its keyed digest, never as given;
    /// set by `Verifier.start`.
    public var meteredKeys: [MeteredKey] = []
    /// The SID a new verification gets, and the SID of this send's delivery attempt; both carry the phone's bucket.
    public let newSid: VerificationSid
    public let attemptSid: AttemptSid

    public init(
        service: ServiceSid, to: PhoneNumber, channel: Channel, locale: String? = nil, customCode: String? = nil,
        details: VerificationDetails = VerificationDetails(), rateLimits: RateLimitKeys? = nil,
        riskCheck: RiskCheck = .enable, origin: StartOrigin = StartOrigin()
    ) {
        self.origin = origin
        self.service = service
        self.to = to
        self.channel = channel
        self.locale = locale
        self.customCode = customCode
        self.details = details
        self.rateLimits = rateLimits
        self.riskCheck = riskCheck
        self.newSid = .random(bucket: to.bucket)
        self.attemptSid = .random(bucket: to.bucket)
    }
}

extension DeliveryOutcome {
    /// The attempt's status once this outcome is recorded.
    public var attemptStatus: DeliveryStatus {
        switch self {
        case .sent: .sent
        case .retryable: .queued
        case .rejected: .failed
        case .unknown: .unknown
        case .unavailable: .queued
        }
    }

    /// Twilio's error code, when the outcome carries one.
    public var errorCode: Int? {
        switch self {
        case .retryable(let code, _): code
        case .rejected(let code): code
        case .sent, .unknown, .unavailable: nil
        }
    }
}
