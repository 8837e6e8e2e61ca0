import Logging
import Synchronization
import Twilio
import VerifyCore

/// Delivers codes through Twilio: SMS through Messages, the original design's voice call through Calls whose TwiML
/// any instance renders from the database. A per-instance circuit breaker stops calling Twilio after repeated
/// failures and lets one probe through after the cool-down.
final class TwilioCodeSender: CodeSender {
    private let client: TwilioClient
    private let settings: TwilioSettings
    private let publicURL: String
    private let webOTPHost: String?
    private let breaker: Mutex<CircuitBreaker<ContinuousClock.Instant>>
    private let logger: Logger

    /// Twilio's ring time for verification calls: long enough to answer, short of most voicemail pick-ups.
    static let ringTimeout: Duration = .seconds(30)

    init(client: TwilioClient, settings: TwilioSettings, delivery: DeliverySettings, publicURL: String, logger: Logger)
    {
        self.client = client
        self.settings = settings
        self.publicURL = publicURL
        self.webOTPHost = delivery.webOTPHost
        self.breaker = Mutex(CircuitBreaker(threshold: delivery.breakerThreshold, cooldown: delivery.breakerCooldown))
        self.logger = logger
    }

    var retryAfterWhileUnavailable: Int? {
        breaker.withLock { $0.retryAfter(at: .now) }.map(Self.wholeSeconds)
    }

    func supports(_ channel: Channel) -> Bool {
        channel == .sms || settings.voiceFrom != nil
    }

    /// One of the Twilio client's places for a request in flight: the cap on sends is the client's own.
    func reserve() -> (any DeliverySlot)? {
        client.reserveSlot().map { Slot(sender: self, reserved: $0) }
    }

    var freeSlots: Int {
        client.freeSlots
    }

    /// The breaker as the `verifyd_twilio_circuit_state` gauge shows it: 0 closed, 1 probing, 2 open.
    var circuitState: Int {
        switch breaker.withLock({ $0.state }) {
        case .closed: 0
        case .probing: 1
        case .open: 2
        }
    }

    private struct Slot: DeliverySlot {
        let sender: TwilioCodeSender
        let reserved: InFlightSlot

        func send(_ message: OutgoingCode) async -> DeliveryOutcome {
            await sender.send(message, in: reserved)
        }
    }

    private func send(_ message: OutgoingCode, in slot: InFlightSlot) async -> DeliveryOutcome {
        if let wait = breaker.withLock({ $0.admit(at: .now) }) {
            return .unavailable(retryAfter: Self.wholeSeconds(wait))
        }
        do {
            let resource = try await create(message, in: slot)
            breaker.withLock { $0.recordSuccess() }
            return .sent(providerSid: resource.sid)
        } catch {
            if Self.countsAgainstTwilio(error) {
                breaker.withLock { $0.recordFailure(at: .now) }
            } else {
                breaker.withLock { $0.recordSuccess() }
            }
            logger.warning(
                "twilio.request.failed", metadata: ["attempt": "\(message.attemptSid)", "error": "\(error)"])
            return Self.outcome(of: error)
        }
    }

    private func create(_ message: OutgoingCode, in slot: InFlightSlot) async throws(TwilioError) -> TwilioResource {
        let statusCallback = "\(publicURL)/twilio/status/\(message.attemptSid)"
        switch message.channel {
        case .sms:
            let text = MessageText.forLocale(message.verification.locale)
            let body = text.smsBody(
                serviceName: message.serviceName, code: message.code, doNotShare: message.doNotShareWarning,
                appHash: message.appHash, webOTPHost: webOTPHost)
            let sender: OutgoingMessage.Sender =
                if let service = settings.messagingServiceSid { .messagingService(sid: service) } else {
                    .phoneNumber(settings.from ?? "")
                }
            return try await client.createMessage(
                OutgoingMessage(
                    to: message.to.e164, sender: sender, body: body, statusCallback: statusCallback,
                    validityPeriod: .seconds(min(message.remainingSeconds, 36_000))), in: slot)
        case .call:
            return try await client.createCall(
                OutgoingCall(
                    to: message.to.e164, from: settings.voiceFrom ?? "",
                    url: "\(publicURL)/twilio/voice/\(message.verification.sid)", statusCallback: statusCallback,
                    statusCallbackEvents: [.completed], ringTimeout: Self.ringTimeout), in: slot)
        }
    }

    /// What an error means for the attempt: retry only what provably did not reach Twilio, fail what Twilio
    /// refused, and call everything else unknown, because it may have gone out.
    static func outcome(of error: TwilioError) -> DeliveryOutcome {
        if error.isSafeToRetry {
            return .retryable(errorCode: error.twilioCode, retryAfter: error.retryAfter.map(wholeSeconds))
        }
        if error.isPermanent { return .rejected(errorCode: error.twilioCode ?? error.httpStatus ?? 0) }
        return .unknown
    }

    /// Failures that say Twilio is unreachable or unwell (transport, 5xx) or that our account is refused (401, 403)
    /// open the breaker. A refusal of one destination (400 with 21211 …) does not, and neither does 429: the
    /// account is over its REST concurrency, Twilio is answering, and the retry's back-off honours `Retry-After`.
    static func countsAgainstTwilio(_ error: TwilioError) -> Bool {
        if error.httpStatus == 429 { return false }
        guard error.isPermanent, let status = error.httpStatus else { return true }
        return status == 401 || status == 403
    }

    static func wholeSeconds(_ duration: Duration) -> Int {
        max(1, duration.roundedUpSeconds)
    }
}
