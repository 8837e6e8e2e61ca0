import Logging

extension Verifier {
    /// Sends one attempt and records its outcome; a permanent refusal about the destination becomes the caller's
    /// error (and, on a verification's first send, fails the verification so the phone's slot is free again).
    func deliver(_ message: OutgoingCode, via slot: any DeliverySlot, priorTries: Int, isFirstAttempt: Bool)
        async throws -> Verification
    {
        let outcome = await slot.send(message)
        var generator = SystemRandomNumberGenerator()
        let retryIn: Double? =
            if case .retryable(_, let retryAfter) = outcome {
                settings.retryPolicy.delay(afterTries: priorTries + 1, retryAfter: retryAfter, using: &generator)
            } else { nil }
        let rejection: VerifyError.Reason? =
            if case .rejected(let errorCode) = outcome { Self.reason(forProviderError: errorCode) } else { nil }
        try await deliveries.record(
            outcome, for: message.attemptSid, retryIn: retryIn, failVerification: rejection != nil && isFirstAttempt)
        logger.info(
            "delivery.attempted",
            metadata: [
                "attempt": "\(message.attemptSid)", "channel": "\(message.channel.rawValue)",
                "outcome": "\(outcome.attemptStatus.rawValue)", "try": "\(priorTries + 1)",
            ])
        metrics.delivery(outcome.attemptStatus, errorCode: outcome.errorCode)
        var verification = message.verification
        if let index = verification.sendAttempts.firstIndex(where: { $0.sid == message.attemptSid }) {
            verification.sendAttempts[index].status =
                if case .retryable = outcome, retryIn == nil { .failed } else { outcome.attemptStatus }
            if case .rejected(let code) = outcome { verification.sendAttempts[index].errorCode = code }
        }
        guard case .rejected(let errorCode) = outcome else { return verification }
        if errorCode == Self.unsubscribedCode { try await phones.setOptedOut(message.to, true) }
        guard let rejection else {
            // Not about the destination (an account or sender problem): the operator must act, the caller cannot.
            logger.error("delivery.rejected", metadata: ["attempt": "\(message.attemptSid)", "code": "\(errorCode)"])
            return verification
        }
        throw VerifyError(rejection)
    }

    /// Sends an attempt a dispatcher claimed, in the slot it reserved before claiming: a retry, or a send queued
    /// with the fast path off. Nothing goes out for a verification that ended meanwhile.
    public func deliverClaimed(_ claimed: ClaimedAttempt, via slot: any DeliverySlot) async throws {
        guard let pending = claimed.pending else {
            try await deliveries.cancel(claimed.attemptSid)
            return
        }
        let message = try self.message(pending, attempt: claimed.attemptSid)
        do {
            _ = try await deliver(message, via: slot, priorTries: claimed.tries, isFirstAttempt: false)
        } catch is VerifyError {
            // The caller of the original start already has its answer; a refusal here is recorded, not thrown.
        }
    }

    /// The message that sends `pending`'s code as attempt `attempt`.
    func message(_ pending: PendingCode, attempt: AttemptSid) throws -> OutgoingCode {
        OutgoingCode(
            attemptSid: attempt, verification: pending.verification, code: try code(of: pending),
            serviceName: pending.serviceName, doNotShareWarning: pending.service.settings.doNotShareWarningEnabled,
            appHash: pending.appHash, remainingSeconds: max(1, pending.secondsUntilExpiry))
    }

    func code(of pending: PendingCode) throws -> OneTimeCode {
        switch pending.code {
        case .new(let code): code
        case .sealed(let ciphertext, let keyID):
            try keyring.open(ciphertext, keyID: keyID, for: pending.verification.sid)
        }
    }

    static let unsubscribedCode = 21610

    /// Twilio's permanent refusals that say something about the destination, as the Verify API reports them.
    static func reason(forProviderError code: Int) -> VerifyError.Reason? {
        switch code {
        case 21211, 21612: .invalidParameter("To")
        case 21614: .landline
        case 21408: .destinationBlocked
        case unsubscribedCode: .phoneUnsubscribed
        default: nil
        }
    }

    // MARK: Webhooks

    /// What call `call` (its CallSid) for verification `sid` should say, or nil when the verification is no longer
    /// pending or `call` is not a live call placed for it.
    public func callScript(for sid: VerificationSid, call: String) async throws
        -> (script: CallScript, askForKeyPress: Bool)?
    {
        guard let pending = try await verifications.pendingCode(sid, call: call) else { return nil }
        let script = MessageText.forLocale(pending.verification.locale).callScript(
            serviceName: pending.serviceName, code: try code(of: pending))
        return (script, pending.service.settings.dtmfInputRequired)
    }

    /// Applies a delivery status callback from the provider.
    public func recordDeliveryStatus(
        _ attempt: AttemptSid, status: DeliveryStatus, providerSid: String?, errorCode: Int?
    ) async throws {
        let changed = try await deliveries.applyCallback(
            attempt, status: status, providerSid: providerSid, errorCode: errorCode)
        logger.info(
            "delivery.status",
            metadata: ["attempt": "\(attempt)", "status": "\(status.rawValue)", "changed": "\(changed)"])
        if changed { metrics.delivery(status, errorCode: errorCode) }
    }

    /// Records a STOP (true) or START (false) from inbound message `messageSid`; false when it was already recorded.
    public func recordOptOutMessage(_ phone: PhoneNumber, optedOut: Bool, messageSid: String) async throws -> Bool {
        let recorded = try await phones.recordOptOutMessage(phone, optedOut: optedOut, messageSid: messageSid)
        logger.info(
            "phone.opt_out", metadata: ["to": "\(phone)", "opted_out": "\(optedOut)", "replay": "\(!recorded)"])
        return recorded
    }
}
