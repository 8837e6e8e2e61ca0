import Logging
import VerifyCore

/// Development delivery: the message goes to the log instead of a phone. It is the only place a code may ever be
/// logged, it runs only with `VERIFYD_DELIVERY=console`, and `serve` warns at start while it is on. Writing a line
/// has no cap, so the sender is its own slot.
struct ConsoleCodeSender: CodeSender, DeliverySlot {
    let logger: Logger
    let webOTPHost: String?

    func reserve() -> (any DeliverySlot)? { self }

    var freeSlots: Int { .max }

    func send(_ message: OutgoingCode) async -> DeliveryOutcome {
        let text = MessageText.forLocale(message.verification.locale)
        let body = text.smsBody(
            serviceName: message.serviceName, code: message.code, doNotShare: message.doNotShareWarning,
            appHash: message.appHash, webOTPHost: webOTPHost)
        let kind = message.channel == .sms ? "SMS" : "Call"
        // One line per message, whatever the body holds, so tools can read codes back from the log.
        let line = body.split(separator: "\n").joined(separator: " | ")
        logger.notice("\(kind) to \(message.to.masked): \(line)", metadata: ["attempt": "\(message.attemptSid)"])
        return .sent(providerSid: nil)
    }
}
