import Foundation
import HTTPTypes
import Hummingbird
import Twilio
import VerifyCore

/// Twilio's requests to us: delivery status callbacks, the TwiML of verification calls, and calls and messages to
/// our number. Any instance can answer any of them: everything they need is in PostgreSQL.
struct TwilioWebhookRoutes: Sendable {
    let verifier: Verifier
    let settings: WebhookSettings
    let publicURL: String

    /// How often a call reads the code.
    static let repetitions = 3

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/twilio/status/{attempt}") { _, context in try await status(context) }
        router.post("/twilio/voice/{verification}") { _, context in try await voice(context) }
        router.post("/twilio/incoming/voice") { _, _ in incomingCall() }
        router.post("/twilio/incoming/sms") { _, context in try await incomingMessage(context) }
    }

    private func status(_ context: APIRequestContext) async throws -> Response {
        let parameters = context.webhookParameters
        guard let attempt = context.parameters.get("attempt").flatMap({ AttemptSid($0) }) else {
            return Response(status: .notFound)
        }
        let reported =
            try parameters["MessageStatus"].flatMap(Self.messageStatus)
            ?? parameters["CallStatus"].flatMap(Self.callStatus)
        if let reported {
            try await verifier.recordDeliveryStatus(
                attempt, status: reported, providerSid: try parameters["MessageSid"] ?? parameters["CallSid"],
                errorCode: try parameters["ErrorCode"].flatMap { Int($0) })
        }
        return Self.twiml(TwiMLResponse())
    }

    private func voice(_ context: APIRequestContext) async throws -> Response {
        var response = TwiMLResponse()
        guard let sid = context.parameters.get("verification").flatMap({ VerificationSid($0) }),
            let call = try context.webhookParameters["CallSid"],
            let (script, askForKeyPress) = try await verifier.callScript(for: sid, call: call)
        else {
            response.say("This verification code is no longer valid. Goodbye.", language: "en-US")
            response.hangup()
            return Self.twiml(response)
        }
        if try askForKeyPress && context.webhookParameters["Digits"] == nil {
            response.gather(numDigits: 1, action: "\(publicURL)/twilio/voice/\(sid)", timeout: 10) { gather in
                gather.say(script.pressAnyKey, language: script.language)
            }
            response.hangup()
            return Self.twiml(response)
        }
        for round in 0..<Self.repetitions {
            response.say(round == 0 ? script.intro : script.repeatLine, language: script.language)
            for digit in script.digits {
                response.say("\(digit).", language: script.language)
                response.pause(length: 1)
            }
        }
        response.hangup()
        return Self.twiml(response)
    }

    /// `<Reject>` as the very first verb, so the call is never answered and never billed.
    private func incomingCall() -> Response {
        var response = TwiMLResponse()
        response.reject(reason: settings.rejectReason)
        return Self.twiml(response)
    }

    /// A STOP or START acts once per MessageSid (see `inbound_message_receipts`), so it must carry one; any other
    /// message changes nothing and needs none.
    private func incomingMessage(_ context: APIRequestContext) async throws -> Response {
        let parameters = context.webhookParameters
        if let phone = try parameters["From"].flatMap({ PhoneNumber(e164: $0) }),
            let optedOut = Self.optOut(type: try parameters["OptOutType"], body: try parameters["Body"])
        {
            guard let messageSid = try parameters["MessageSid"], Self.isMessageSid(messageSid) else {
                throw VerifyError.invalid("MessageSid")
            }
            _ = try await verifier.recordOptOutMessage(phone, optedOut: optedOut, messageSid: messageSid)
        }
        return Self.twiml(TwiMLResponse())
    }

    /// Twilio's SIDs: two capital letters (`SM`, `MM`) and 32 lowercase hex digits.
    static func isMessageSid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 34 && bytes[..<2].allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
            && bytes[2...].allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }

    // MARK: Mapping Twilio's words

    /// True for an opt-out, false for an opt-in, nil for anything else. Twilio's own `OptOutType` is trusted when
    /// present; otherwise the trimmed body is read as Twilio's default keywords.
    static func optOut(type: String?, body: String?) -> Bool? {
        if let type {
            switch type.uppercased() {
            case "STOP": return true
            case "START": return false
            default: return nil
            }
        }
        let keyword = (body ?? "").trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        if ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"].contains(keyword) {
            return true
        }
        if ["START", "YES", "UNSTOP"].contains(keyword) { return false }
        return nil
    }

    static func messageStatus(_ text: String) -> DeliveryStatus? {
        switch text.lowercased() {
        case "queued", "accepted", "scheduled", "sending", "sent": .sent
        case "delivered", "read": .delivered
        case "undelivered": .undelivered
        case "failed", "canceled": .failed
        default: nil
        }
    }

    static func callStatus(_ text: String) -> DeliveryStatus? {
        switch text.lowercased() {
        case "queued", "initiated", "ringing", "in-progress": .sent
        case "completed": .delivered
        case "busy", "no-answer": .undelivered
        case "failed", "canceled": .failed
        default: nil
        }
    }

    static func twiml(_ response: TwiMLResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/xml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: response.xml)))
    }
}
