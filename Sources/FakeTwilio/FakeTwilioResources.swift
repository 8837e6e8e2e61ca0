#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the fake validates create requests and shapes resources, mirroring Twilio's documented behaviour.
///
/// Error codes used (Twilio's where twilio.md documents them, plausible picks otherwise):
/// - 20003 (401) authentication failed, also for an account SID in the path that is not the configured one;
/// - 20404 (404) unknown path;
/// - Messages: 21604 `To` missing, 21211 `To` not E.164, 21603 neither `From` nor `MessagingServiceSid`,
///   21602 `Body` missing, 21617 `Body` over 1600 characters, 21624 `ValidityPeriod` not 1–36000 (picked);
/// - Calls: 21201 `To` missing, 21213 `From` missing, 21205 none of `Url`/`Twiml`/`ApplicationSid` (picked).
/// A body that is not `application/x-www-form-urlencoded` is read as having no fields, so it fails on `To`.
enum FakeTwilioResources {
    typealias Form = [(name: String, value: String)]

    /// The created Message resource, or Twilio's 400.
    static func createMessage(_ form: Form, accountSID: String) -> Result<MessageResource, TwilioErrorBody> {
        guard let to = value("To", in: form) else {
            return .failure(.init(400, 21604, "A 'To' phone number is required."))
        }
        guard isPlausibleAddress(to) else {
            return .failure(.init(400, 21211, "The 'To' number \(to) is not a valid phone number."))
        }
        let from = value("From", in: form)
        let service = value("MessagingServiceSid", in: form)
        guard from != nil || service != nil else {
            return .failure(.init(400, 21603, "A 'From' phone number is required."))
        }
        guard let body = value("Body", in: form) else {
            return .failure(.init(400, 21602, "Message body is required."))
        }
        guard body.count <= 1600 else {
            return .failure(.init(400, 21617, "The concatenated message body exceeds the 1600 character limit."))
        }
        if let validity = value("ValidityPeriod", in: form), !(Int(validity).map { (1...36_000).contains($0) } ?? false)
        {
            return .failure(.init(400, 21624, "ValidityPeriod must be between 1 and 36000 seconds."))
        }
        let sid = FakeTwilioSID.random("SM")
        return .success(
            MessageResource(
                accountSid: accountSID, body: body, dateCreated: FakeTwilioClock.rfc2822Now(), from: Nullable(from),
                messagingServiceSid: Nullable(service), sid: sid,
                // Twilio reports `accepted` when a Messaging Service will pick the sender, `queued` otherwise.
                status: service == nil ? "queued" : "accepted", to: to, uri: uri(accountSID, "Messages/\(sid).json"),
                statusCallback: value("StatusCallback", in: form)))
    }

    /// The created Call resource, or Twilio's 400.
    static func createCall(_ form: Form, accountSID: String) -> Result<CallResource, TwilioErrorBody> {
        guard let to = value("To", in: form) else {
            return .failure(.init(400, 21201, "No 'To' number is specified"))
        }
        guard let from = value("From", in: form) else {
            return .failure(.init(400, 21213, "No 'From' number is specified"))
        }
        guard ["Url", "Twiml", "ApplicationSid"].contains(where: { value($0, in: form) != nil }) else {
            return .failure(.init(400, 21205, "Url parameter is required."))
        }
        let sid = FakeTwilioSID.random("CA")
        return .success(
            CallResource(
                accountSid: accountSID, dateCreated: FakeTwilioClock.rfc2822Now(), from: from, sid: sid, to: to,
                uri: uri(accountSID, "Calls/\(sid).json")))
    }

    /// A non-empty field value; Twilio treats an empty parameter as missing.
    private static func value(_ name: String, in form: Form) -> String? {
        form.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    /// E.164 (`+` and 2–15 digits) or a channel address such as `whatsapp:+1…`.
    private static func isPlausibleAddress(_ to: String) -> Bool {
        if to.contains(":") {
            return true
        }
        let digits = to.utf8.dropFirst()
        return to.hasPrefix("+") && (2...15).contains(digits.count)
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func uri(_ accountSID: String, _ path: String) -> String {
        "/2010-04-01/Accounts/\(accountSID)/\(path)"
    }
}

/// The parts of a Message resource as Twilio returns it on create (keys in snake case, absent values as `null`)
/// that a client may read.
struct MessageResource: Encodable {
    var accountSid: String
    var body: String
    var dateCreated: String
    var direction = "outbound-api"
    var errorCode = Nullable<Int>(nil)
    var errorMessage = Nullable<String>(nil)
    var from: Nullable<String>
    var messagingServiceSid: Nullable<String>
    var numSegments = "1"
    var sid: String
    var status: String
    var to: String
    var uri: String
    /// Not part of Twilio's answer; kept for `/_fake/messages`.
    var statusCallback: String?

    private enum CodingKeys: String, CodingKey {
        case accountSid, body, dateCreated, direction, errorCode, errorMessage, from, messagingServiceSid, numSegments
        case sid, status, to, uri
    }
}

/// The parts of a Call resource as Twilio returns it on create that a client may read.
struct CallResource: Encodable {
    var accountSid: String
    var dateCreated: String
    var direction = "outbound-api"
    var from: String
    var sid: String
    var status = "queued"
    var to: String
    var uri: String
}

/// Twilio's error body: `{"code", "message", "more_info", "status"}`, never RFC 9457 `type`/`title` keys.
struct TwilioErrorBody: Error, Encodable {
    var code: Int
    var message: String
    var moreInfo: String
    var status: Int

    init(_ status: Int, _ code: Int, _ message: String) {
        self.code = code
        self.message = message
        self.moreInfo = "https://www.twilio.com/docs/errors/\(code)"
        self.status = status
    }
}

/// An optional that is written as `null` instead of being left out, as Twilio's JSON does.
struct Nullable<Value: Encodable>: Encodable {
    var value: Value?

    init(_ value: Value?) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value {
            try container.encode(value)
        } else {
            try container.encodeNil()
        }
    }
}

/// Wall-clock time in the format Twilio uses.
enum FakeTwilioClock {
    /// RFC 2822, as in Twilio's `date_created`: `Thu, 24 Aug 2023 05:01:45 +0000`.
    static func rfc2822Now() -> String {
        var clock = time(nil)
        var parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
