/// An SMS to create through `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
///
/// `description` masks the recipient and leaves out the body, so logging the value is harmless.
public struct OutgoingMessage: Sendable, Hashable, CustomStringConvertible {
    /// Who the message comes from: exactly one of `From` or `MessagingServiceSid` is sent.
    public enum Sender: Sendable, Hashable {
        /// A Twilio number, short code or alphanumeric sender ID, sent as `From`.
        case phoneNumber(String)
        /// A Messaging Service (`MG…`) that picks the sender from its pool, sent as `MessagingServiceSid`.
        case messagingService(sid: String)
    }

    /// Twilio's upper bound for `ValidityPeriod`, which is also its default.
    public static let maximumValidityPeriod: Duration = .seconds(36_000)

    /// The recipient, E.164 (`+14155550100`) or a channel address.
    public var to: String
    /// `From` or `MessagingServiceSid`.
    public var sender: Sender
    /// The text, at most 1600 characters.
    public var body: String
    /// Where Twilio posts delivery status changes.
    public var statusCallback: String?
    /// How long Twilio may keep the message queued before giving up; sent as whole seconds within 1–36000.
    public var validityPeriod: Duration?

    /// A message to `to` from `sender`.
    public init(
        to: String,
        sender: Sender,
        body: String,
        statusCallback: String? = nil,
        validityPeriod: Duration? = nil
    ) {
        self.to = to
        self.sender = sender
        self.body = body
        self.statusCallback = statusCallback
        self.validityPeriod = validityPeriod
    }

    public var description: String {
        "OutgoingMessage(to: \(PhoneNumberMask.mask(to)), body: \(body.count) characters)"
    }

    /// The form fields in the order they are sent.
    var formFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("To", to)]
        switch sender {
        case .phoneNumber(let from): fields.append(("From", from))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        fields.append(("Body", body))
        if let statusCallback {
            fields.append(("StatusCallback", statusCallback))
        }
        if let validityPeriod {
            fields.append(("ValidityPeriod", String(Self.wholeSeconds(validityPeriod, in: 1...36_000))))
        }
        return fields
    }

    /// `duration` rounded up to whole seconds and clamped to `range`.
    static func wholeSeconds(_ duration: Duration, in range: ClosedRange<Int64>) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let rounded = attoseconds > 0 ? seconds + 1 : seconds
        return min(max(rounded, range.lowerBound), range.upperBound)
    }
}
