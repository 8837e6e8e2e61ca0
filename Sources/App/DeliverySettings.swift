import Foundation

/// How codes leave verifyd: through Twilio, or (development only) printed to the log.
public struct DeliverySettings: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case twilio
        case console
    }

    public enum RejectReason: String, Sendable, CaseIterable {
        case rejected
        case busy
    }

    public var mode: Mode
    /// Set exactly when `mode` is `.twilio`.
    public var twilio: TwilioSettings?
    /// Send right after the start transaction commits (true) or leave every send to the dispatcher (false).
    public var fastPath: Bool
    public var breakerThreshold: Int
    public var breakerCooldown: Duration
    public var rejectReason: RejectReason
    /// The origin for the WebOTP last line (`@host #code`), when set.
    public var webOTPHost: String?
    /// How often each instance's dispatcher looks for due attempts.
    public var dispatchInterval: Duration
    /// The first retry's delay; later ones double, with jitter.
    public var retryBase: Duration

    static func read(_ reader: inout EnvironmentReader) -> DeliverySettings {
        let mode = reader.choice("VERIFYD_DELIVERY", default: Mode.twilio)
        return DeliverySettings(
            mode: mode,
            twilio: mode == .twilio ? TwilioSettings.read(&reader) : nil,
            fastPath: reader.boolean("VERIFYD_DELIVERY_FAST_PATH", default: true),
            breakerThreshold: reader.integer("VERIFYD_BREAKER_THRESHOLD", default: 10, in: 1...10_000),
            breakerCooldown: reader.milliseconds("VERIFYD_BREAKER_COOLDOWN_MS", default: 30_000, in: 1...3_600_000),
            rejectReason: reader.choice("VERIFYD_REJECT_REASON", default: RejectReason.rejected),
            webOTPHost: reader.parsed("VERIFYD_WEBOTP_HOST", "a host name such as example.com", required: false) {
                $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" } ? $0 : nil
            },
            dispatchInterval: reader.milliseconds("VERIFYD_DISPATCH_INTERVAL_MS", default: 1000, in: 10...600_000),
            retryBase: reader.milliseconds("VERIFYD_DELIVERY_RETRY_BASE_MS", default: 1000, in: 1...600_000)
        )
    }
}

/// Twilio account, credentials and senders (`TWILIO_…`).
public struct TwilioSettings: Sendable {
    /// How long an instance may hold a claimed attempt before others presume it died: twice the Twilio timeout and
    /// a second, so a live instance always finishes (or times out) first.
    public var lease: Duration { timeout * 2 + .seconds(1) }

    public var accountSid: String
    /// Signs webhooks, so it is required even when REST calls use an API key.
    public var authToken: String
    public var authTokenSecondary: String?
    public var apiKey: String?
    public var apiSecret: String?
    public var from: String?
    public var messagingServiceSid: String?
    public var voiceFrom: String?
    public var apiURL: String
    public var connectTimeout: Duration
    public var timeout: Duration
    /// Twilio requests in flight at once on this instance; a start past it answers 503 with nothing stored.
    public var maxInFlight: Int

    static func read(_ reader: inout EnvironmentReader) -> TwilioSettings {
        let accountSid =
            reader.parsed(
                "TWILIO_ACCOUNT_SID", "AC followed by 32 hex digits (VERIFYD_DELIVERY=twilio)", required: true
            ) {
                $0.hasPrefix("AC") && $0.count == 34 ? $0 : nil
            } ?? ""
        let authToken = reader.required(
            "TWILIO_AUTH_TOKEN", "Twilio signs webhooks with it; or set VERIFYD_DELIVERY=console for development")
        let apiKey = reader.parsed("TWILIO_API_KEY", "an SK… API key SID", required: false) {
            $0.hasPrefix("SK") && $0.count == 34 ? $0 : nil
        }
        let apiSecret = reader.optional("TWILIO_API_SECRET")
        if (apiKey == nil) != (apiSecret == nil) {
            reader.problem("TWILIO_API_KEY and TWILIO_API_SECRET must be set together")
        }
        let from = reader.optional("TWILIO_FROM")
        let messagingService = reader.parsed("TWILIO_MESSAGING_SERVICE_SID", "an MG… SID", required: false) {
            $0.hasPrefix("MG") && $0.count == 34 ? $0 : nil
        }
        if from == nil && messagingService == nil {
            reader.problem("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID must be set (the SMS sender)")
        }
        let apiURL =
            reader.parsed("TWILIO_API_URL", "an http:// or https:// URL", required: false, ServeSettings.publicURL)
            ?? "https://api.twilio.com"
        return TwilioSettings(
            accountSid: accountSid, authToken: authToken,
            authTokenSecondary: reader.optional("TWILIO_AUTH_TOKEN_SECONDARY"), apiKey: apiKey, apiSecret: apiSecret,
            from: from, messagingServiceSid: messagingService, voiceFrom: reader.optional("TWILIO_VOICE_FROM") ?? from,
            apiURL: apiURL,
            connectTimeout: reader.milliseconds("VERIFYD_TWILIO_CONNECT_TIMEOUT_MS", default: 5000, in: 1...60_000),
            timeout: reader.milliseconds("VERIFYD_TWILIO_TIMEOUT_MS", default: 10_000, in: 1...120_000),
            maxInFlight: reader.integer("VERIFYD_TWILIO_MAX_IN_FLIGHT", default: 100, in: 1...1000)
        )
    }
}
