/// A voice call to create through `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`.
///
/// Twilio fetches the call's TwiML from `url` with POST once the callee answers. `description` masks both numbers.
public struct OutgoingCall: Sendable, Hashable, CustomStringConvertible {
    /// Call progress events Twilio can report to `statusCallback`.
    public enum StatusEvent: String, Sendable, Hashable, CaseIterable {
        case initiated
        case ringing
        case answered
        case completed
    }

    /// Twilio's upper bound for the ring time.
    public static let maximumRingTimeout: Duration = .seconds(600)

    /// The callee, E.164.
    public var to: String
    /// A Twilio number or verified caller ID.
    public var from: String
    /// The absolute URL that returns the call's TwiML.
    public var url: String
    /// Where Twilio posts call progress (with POST); without events Twilio only reports `completed`.
    public var statusCallback: String?
    /// Progress events to report, each sent as its own `StatusCallbackEvent` field.
    public var statusCallbackEvents: [StatusEvent]
    /// How long to let the phone ring; sent as whole seconds within 1–600.
    public var ringTimeout: Duration

    /// A call to `to` from `from` that plays the TwiML at `url`.
    public init(
        to: String,
        from: String,
        url: String,
        statusCallback: String? = nil,
        statusCallbackEvents: [StatusEvent] = [],
        ringTimeout: Duration = .seconds(60)
    ) {
        self.to = to
        self.from = from
        self.url = url
        self.statusCallback = statusCallback
        self.statusCallbackEvents = statusCallbackEvents
        self.ringTimeout = ringTimeout
    }

    public var description: String {
        "OutgoingCall(to: \(PhoneNumberMask.mask(to)), from: \(PhoneNumberMask.mask(from)))"
    }

    /// The form fields in the order they are sent; each status event is a field of its own.
    var formFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("To", to), ("From", from), ("Url", url), ("Method", "POST")]
        if let statusCallback {
            fields.append(("StatusCallback", statusCallback))
            fields.append(("StatusCallbackMethod", "POST"))
            for event in statusCallbackEvents {
                fields.append(("StatusCallbackEvent", event.rawValue))
            }
        }
        fields.append(("Timeout", String(OutgoingMessage.wholeSeconds(ringTimeout, in: 1...600))))
        return fields
    }
}
