import Logging

/// The verification use cases: start, check, fetch, update. It validates requests, makes and seals codes, and hands
/// codes to the sender after the storage transaction committed, never inside it.
public struct Verifier: Sendable {
    public struct Settings: Sendable {
        /// Consecutive failed checks per (service, phone) that refuse new verifications (NIST's ceiling is 100).
        public var phoneFailureCap: Int
        /// Send right after commit (true) or leave the attempt to the dispatcher (false).
        public var sendImmediately: Bool
        /// How long an instance may take to send a claimed attempt before it is presumed dead.
        public var leaseSeconds: Int
        public var retryPolicy: RetryPolicy

        public init(
            phoneFailureCap: Int = 100, sendImmediately: Bool = true, leaseSeconds: Int = 60,
            retryPolicy: RetryPolicy = RetryPolicy()
        ) {
            self.phoneFailureCap = phoneFailureCap
            self.sendImmediately = sendImmediately
            self.leaseSeconds = leaseSeconds
            self.retryPolicy = retryPolicy
        }
    }

    let verifications: any VerificationStore
    let deliveries: any DeliveryStore
    let phones: any PhoneStore
    let sender: any CodeSender
    let keyring: CodeKeyring
    let settings: Settings
    let logger: Logger

    public init(
        verifications: any VerificationStore, deliveries: any DeliveryStore, phones: any PhoneStore,
        sender: any CodeSender, keyring: CodeKeyring, settings: Settings, logger: Logger
    ) {
        self.verifications = verifications
        self.deliveries = deliveries
        self.phones = phones
        self.sender = sender
        self.keyring = keyring
        self.settings = settings
        self.logger = logger
    }

    // MARK: Start

    public func start(_ request: StartRequest) async throws -> Verification {
        guard sender.supports(request.channel) else { throw VerifyError(.channelDisabled) }
        // With delivery down nothing is stored: the caller retries later instead of holding a verification that
        // cannot reach the phone.
        if let retryAfter = sender.retryAfterWhileUnavailable {
            throw VerifyError(.deliveryUnavailable, retryAfter: retryAfter)
        }
        let command = StartCommand(
            service: request.service, to: request.to, channel: request.channel, locale: request.locale,
            failureCap: settings.phoneFailureCap, claimAttempt: settings.sendImmediately,
            leaseSeconds: settings.leaseSeconds, details: request.details)
        let keyring = self.keyring
        let customCode = request.customCode
        let outcome = try await verifications.start(command) { service in
            try Self.prepare(customCode: customCode, service: service, sid: command.newSid, keyring: keyring)
        }
        let verification = outcome.verification
        logger.info(
            "verification.started",
            metadata: [
                "sid": "\(verification.sid)", "service": "\(verification.serviceSid)", "to": "\(verification.to)",
                "channel": "\(verification.channel.rawValue)", "sends": "\(verification.sendAttempts.count)",
            ])
        guard settings.sendImmediately else { return verification }

        let code: OneTimeCode
        switch outcome.code {
        case .new(let created): code = created
        case .stored(let ciphertext, let keyID):
            code = try keyring.open(ciphertext, keyID: keyID, for: verification.sid)
        }
        let message = OutgoingCode(
            attemptSid: command.attemptSid, verification: verification, code: code,
            serviceName: request.details.customFriendlyName ?? outcome.service.settings.friendlyName,
            doNotShareWarning: outcome.service.settings.doNotShareWarningEnabled, appHash: request.details.appHash,
            remainingSeconds: max(1, outcome.secondsUntilExpiry))
        return try await deliver(message, priorTries: 0, isFirstAttempt: verification.sendAttempts.count == 1)
    }

    static func prepare(
        customCode: String?, service: VerifyService, sid: VerificationSid, keyring: CodeKeyring
    ) throws -> PreparedCode {
        let code: OneTimeCode
        if let customCode {
            guard service.settings.customCodeEnabled else { throw VerifyError(.featureNotEnabled) }
            guard let custom = OneTimeCode(customCode) else { throw VerifyError.invalid("CustomCode") }
            code = custom
        } else {
            code = OneTimeCode.generate(length: service.settings.codeLength)
        }
        return PreparedCode(code: code, sealed: try keyring.seal(code, for: sid))
    }

    // MARK: Check, fetch, update

    /// Checks `code` against the live verification of `target`. A malformed code is refused as an invalid parameter
    /// without counting an attempt: no well-formed code can match it, so it reveals nothing.
    public func check(service: ServiceSid, target: CheckCommand.Target, code: String) async throws -> Verification {
        guard let candidate = OneTimeCode(code) else { throw VerifyError.invalid("Code") }
        let keyring = self.keyring
        let verification = try await verifications.check(CheckCommand(service: service, target: target)) { stored in
            keyring.matches(candidate, stored: stored)
        }
        logger.info(
            "verification.checked",
            metadata: [
                "sid": "\(verification.sid)", "status": "\(verification.status.rawValue)",
                "attempts": "\(verification.checkAttempts)",
            ])
        return verification
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
        return verification
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

    public init(
        service: ServiceSid, to: PhoneNumber, channel: Channel, locale: String? = nil, customCode: String? = nil,
        details: VerificationDetails = VerificationDetails(), rateLimits: RateLimitKeys? = nil
    ) {
        self.service = service
        self.to = to
        self.channel = channel
        self.locale = locale
        self.customCode = customCode
        self.details = details
        self.rateLimits = rateLimits
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
}
