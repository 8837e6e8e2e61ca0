import Logging
import Twilio
import VerifyCore

/// The delivery pieces `buildApplication` assembles from `DeliverySettings`.
struct DeliveryWiring {
    var sender: any CodeSender
    /// The Twilio client, whose transfer thread must be shut down; nil with console delivery.
    var twilio: TwilioClient?
    var webhooks: WebhookSettingsSource?
    var leaseSeconds: Int

    struct WebhookSettingsSource {
        var authTokens: [String]
        var rejectReason: TwiMLRejectReason
    }

    static func make(_ settings: ServeSettings, override: (any CodeSender)?, logger: Logger) throws -> DeliveryWiring {
        let delivery = settings.delivery
        guard let twilio = delivery.twilio else {
            return DeliveryWiring(
                sender: override ?? ConsoleCodeSender(logger: logger, webOTPHost: delivery.webOTPHost), twilio: nil,
                webhooks: nil, leaseSeconds: 60)
        }
        let credentials: TwilioConfiguration.Credentials =
            if let key = twilio.apiKey, let secret = twilio.apiSecret { .apiKey(sid: key, secret: secret) } else {
                .authToken(twilio.authToken)
            }
        let client = TwilioClient(
            configuration: try TwilioConfiguration(
                accountSID: twilio.accountSid, credentials: credentials, apiBaseURL: twilio.apiURL,
                connectTimeout: twilio.connectTimeout, totalTimeout: twilio.timeout,
                maxInFlight: twilio.maxInFlight),
            logger: logger)
        let sender =
            override
            ?? TwilioCodeSender(
                client: client, settings: twilio, delivery: delivery, publicURL: settings.publicURL, logger: logger)
        return DeliveryWiring(
            sender: sender, twilio: client,
            webhooks: WebhookSettingsSource(
                authTokens: [twilio.authToken] + (twilio.authTokenSecondary.map { [$0] } ?? []),
                rejectReason: delivery.rejectReason == .busy ? .busy : .rejected),
            leaseSeconds: TwilioCodeSender.wholeSeconds(twilio.lease))
    }
}
