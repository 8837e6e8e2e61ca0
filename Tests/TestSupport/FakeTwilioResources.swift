/// How the fake validates create requests and shapes resources, mirroring Twilio's documented behaviour.
///
/// Error codes used (Twilio's where twilio.md documents them, plausible picks otherwise):
/// - 20003 (401) authentication failed, also for an account SID in the path that is not the configured one;
/// - 20404 (404) unknown path or resource; 20004 (405) method not allowed (picked);
/// - Messages: 21604 `To` missing, 21211 `To` not E.164, 21603 neither `From` nor `MessagingServiceSid`,
///   21602 `Body` missing, 21617 `Body` over 1600 characters, 21624 `ValidityPeriod` not 1–36000 (picked);
/// - Calls: 21201 `To` missing, 21213 `From` missing, 21205 none of `Url`/`Twiml`/`ApplicationSid` (picked).
/// A body that is not `application/x-www-form-urlencoded` is read as having no fields, so it fails on `To`.
enum FakeTwilioResources {
    typealias Form = [(name: String, value: String)]
    typealias Members = [(String, FakeTwilioJSON.Value)]

    /// The created Message resource's members, or Twilio's 400.
    static func createMessage(_ form: Form, accountSID: String) -> Result<Members, FakeTwilioErrorResponse> {
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
        let date = FakeTwilioClock.rfc2822(FakeTwilioClock.now())
        return .success([
            ("account_sid", .string(accountSID)), ("api_version", .string("2010-04-01")), ("body", .string(body)),
            ("date_created", .string(date)), ("date_sent", .null), ("date_updated", .string(date)),
            ("direction", .string("outbound-api")), ("error_code", .null), ("error_message", .null),
            ("from", from.map { .string($0) } ?? .null),
            ("messaging_service_sid", service.map { .string($0) } ?? .null),
            ("num_media", .string("0")), ("num_segments", .string("1")), ("price", .null),
            ("price_unit", .string("USD")), ("sid", .string(sid)),
            // Twilio reports `accepted` when a Messaging Service will pick the sender, `queued` otherwise.
            ("status", .string(service == nil ? "queued" : "accepted")),
            ("subresource_uris", .object([("media", .string(uri(accountSID, "Messages/\(sid)/Media.json")))])),
            ("to", .string(to)), ("uri", .string(uri(accountSID, "Messages/\(sid).json"))),
        ])
    }

    /// The created Call resource's members, or Twilio's 400.
    static func createCall(_ form: Form, accountSID: String) -> Result<Members, FakeTwilioErrorResponse> {
        guard let to = value("To", in: form) else {
            return .failure(.init(400, 21201, "No 'To' number is specified"))
        }
        guard let from = value("From", in: form) else {
            return .failure(.init(400, 21213, "No 'From' number is specified"))
        }
        guard
            value("Url", in: form) != nil || value("Twiml", in: form) != nil
                || value("ApplicationSid", in: form) != nil
        else {
            return .failure(.init(400, 21205, "Url parameter is required."))
        }
        let sid = FakeTwilioSID.random("CA")
        let date = FakeTwilioClock.rfc2822(FakeTwilioClock.now())
        return .success([
            ("account_sid", .string(accountSID)), ("annotation", .null), ("answered_by", .null),
            ("api_version", .string("2010-04-01")), ("caller_name", .null), ("date_created", .string(date)),
            ("date_updated", .string(date)), ("direction", .string("outbound-api")), ("duration", .null),
            ("end_time", .null), ("forwarded_from", .null), ("from", .string(from)),
            ("from_formatted", .string(from)), ("parent_call_sid", .null), ("phone_number_sid", .null),
            ("price", .null), ("price_unit", .string("USD")), ("queue_time", .string("0")), ("sid", .string(sid)),
            ("start_time", .null), ("status", .string("queued")), ("to", .string(to)),
            ("to_formatted", .string(to)), ("uri", .string(uri(accountSID, "Calls/\(sid).json"))),
        ])
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
        let digits = to.dropFirst()
        return to.hasPrefix("+") && (2...15).contains(digits.count) && digits.allSatisfy(\.isASCIIDigit)
    }

    private static func uri(_ accountSID: String, _ path: String) -> String {
        "/2010-04-01/Accounts/\(accountSID)/\(path)"
    }
}

/// A Twilio JSON error to send back.
struct FakeTwilioErrorResponse: Error, Sendable {
    let status: Int
    let code: Int
    let message: String

    init(_ status: Int, _ code: Int, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    var response: FakeTwilioResponse {
        .twilioError(status: status, code: code, message: message)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        isASCII && isNumber
    }
}
