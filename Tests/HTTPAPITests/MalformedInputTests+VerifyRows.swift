import HTTPTypes
import TestSupport

extension MalformedInputTests {
    static let start = "/v2/Services/{VA}/Verifications"
    static let check = "/v2/Services/{VA}/VerificationCheck"
    static let services = "/v2/Services"
    static let limits = "/v2/Services/{VA}/RateLimits"
    static let valid = "To=%2B14155550140&Channel=sms"
    static let json = "application/json"

    /// A start whose `To` is `to` (percent-encoded here): 400 / 60200 naming To.
    static func badTo(_ name: String, _ to: String) -> Row {
        Row(name: "To " + name, path: start, body: "To=\(encode(to))&Channel=sms", status: .badRequest, code: 60200)
    }

    /// A start with `extra` appended to a valid form: 400 / 60200.
    static func badStart(_ name: String, _ extra: String) -> Row {
        Row(name: name, path: start, body: valid + "&" + extra, status: .badRequest, code: 60200)
    }

    /// A check of the live verification with `Code` as given: 400 / 60200, and no attempt is counted.
    static func badCode(_ name: String, _ code: String) -> Row {
        Row(
            name: "Code " + name, path: check, body: "To=\(encode(live))&Code=\(encode(code))", status: .badRequest,
            code: 60200)
    }

    static let verifyRows: [Row] = [
        // Numbers that are not E.164.
        badTo("without +", "14155550140"),
        badTo("with a leading 0 after +", "+04155550140"),
        badTo("of one digit", "+1"),
        badTo("of 16 digits", "+1234567890123456"),
        badTo("with dashes", "+1-415-555-0140"),
        badTo("with spaces", "+1 415 555 0140"),
        badTo("with parentheses", "+1(415)5550140"),
        badTo("with a letter O for a zero", "+141555501O0"),
        badTo("in fullwidth digits", "+１４１５５５５０１４０"),
        badTo("in Arabic-Indic digits", "+١٤١٥٥٥٥٠١٤٠"),
        badTo("in Devanagari digits", "+१४१५५५५०१४०"),
        badTo("in superscript digits", "+¹⁴¹⁵⁵⁵⁵⁰¹⁴⁰"),
        badTo("with a fullwidth plus", "＋14155550140"),
        badTo("with 00 for +", "0014155550140"),
        badTo("that is empty", ""),
        badTo("with a NUL", "+14155550140\u{0}"),
        badTo("with a trailing line break", "+14155550140\n"),
        badTo("with a leading space", " +14155550140"),
        badTo("with CRLF and a header", "+14155550140\r\nX-Injected: 1"),
        badTo("with SQL", "+14155550140'; DROP TABLE verifications; --"),
        badTo("that is a SQL tautology", "' OR '1'='1"),
        badTo("with a zero-width space", "+1415555\u{200B}0140"),
        Row(
            name: "To as a JSON number", path: start, body: #"{"To": 14155550140, "Channel": "sms"}"#,
            contentType: json, status: .badRequest, code: 60200),
        Row(
            name: "To as a JSON array", path: start, body: #"{"To": ["+14155550140"], "Channel": "sms"}"#,
            contentType: json, status: .badRequest, code: 60200),
        Row(
            name: "To as a JSON object", path: start, body: #"{"To": {"n": "+14155550140"}, "Channel": "sms"}"#,
            contentType: json, status: .badRequest, code: 60200),
        // Missing and repeated fields.
        Row(name: "a start without To", path: start, body: "Channel=sms", status: .badRequest, code: 60200),
        Row(name: "a start without Channel", path: start, body: "To=%2B14155550140", status: .badRequest, code: 60200),
        Row(name: "a start without a body", path: start, body: nil, contentType: nil, status: .badRequest, code: 60200),
        badStart("Channel given twice with the same value", "Channel=sms"),
        badStart("Locale given twice", "Locale=en&Locale=fr"),
        badStart("AppHash given twice", "AppHash=He42w354olA&AppHash=He42w354olA"),
        Row(
            name: "Channel given twice in JSON", path: start,
            body: #"{"To": "+14155550140", "Channel": "sms", "Channel": "call"}"#, contentType: json,
            status: .badRequest, code: 60200),
        // Parameters with metacharacters.
        badStart("a Channel with SQL", "Channel=sms';--"),
        badStart("a Channel with a NUL", "Channel=sms%00"),
        badStart("a Locale with SQL", "Locale=en'--"),
        badStart("a CustomFriendlyName with CRLF and a header", "CustomFriendlyName=Acme%0D%0ASet-Cookie:%20a=b"),
        badStart("a CustomFriendlyName with a link", "CustomFriendlyName=http%3A%2F%2Fevil"),
        badStart("a CustomFriendlyName holding a phone number", "CustomFriendlyName=Call%2014155550140"),
        badStart("a CustomFriendlyName with markup", "CustomFriendlyName=%3Cscript%3E"),
        badStart("a DeviceIp past 255", "DeviceIp=999.1.1.1"),
        badStart("a DeviceIp with CRLF", "DeviceIp=1.2.3.4%0D%0AX-Injected:%201"),
        badStart("an AppHash with markup", "AppHash=%3Cscript%3Eabc"),
        badStart("Tags that are not JSON", "Tags=%7B"),
        badStart("Tags that are a JSON array", "Tags=%5B1%5D"),
        badStart("Tags with a number for a value", "Tags=" + encode(#"{"k": 1}"#)),
        badStart(
            "Tags with eleven keys",
            "Tags=" + encode("{" + (0...10).map { "\"k\($0)\": \"v\"" }.joined(separator: ",") + "}")),
        badStart("RateLimits naming a rate limit the service lacks", "RateLimits=" + encode(#"{"nope": "1.2.3.4"}"#)),
        badStart("RateLimits that are not JSON", "RateLimits=end_user_ip"),
        badStart("RateLimits with a name of SQL", "RateLimits=" + encode(#"{"a';--": "1"}"#)),
        badStart("RateLimits with an empty value", "RateLimits=" + encode(#"{"end_user_ip": ""}"#)),
        badStart("a NUL in the name of an unknown parameter", "Foo%00=1"),
        // Bodies.
        Row(
            name: "a 10 MB form", path: start, body: valid + "&Pad=" + tenMegabytes, status: .contentTooLarge,
            code: 60200),
        Row(
            name: "a 10 MB JSON body", path: start, body: #"{"To": "+14155550140", "Pad": ""# + tenMegabytes + #""}"#,
            contentType: json, status: .contentTooLarge, code: 60200),
        Row(
            name: "a 10 MB check", path: check, body: "Code=123456&Pad=" + tenMegabytes, status: .contentTooLarge,
            code: 60200),
        Row(
            name: "a 10 MB service", path: services, body: "FriendlyName=Acme&Pad=" + tenMegabytes,
            status: .contentTooLarge, code: 60200),
        Row(
            name: "a form with a broken escape", path: start, body: "To=%zz&Channel=sms", status: .badRequest,
            code: 60200),
        Row(
            name: "a form that is not UTF-8", path: start, body: "To=%FF%FE&Channel=sms", status: .badRequest,
            code: 60200),
        Row(
            name: "JSON that is an array", path: start, body: "[1, 2]", contentType: json, status: .badRequest,
            code: 60200),
        Row(name: "JSON that is null", path: start, body: "null", contentType: json, status: .badRequest, code: 60200),
        Row(
            name: "JSON cut short", path: start, body: #"{"To": "+1415"#, contentType: json, status: .badRequest,
            code: 60200),
        Row(
            name: "JSON with a NUL in a key", path: start, body: #"{"To\u0000": "+14155550140", "Channel": "sms"}"#,
            contentType: json, status: .badRequest, code: 60200),
        Row(
            name: "a form sent as JSON", path: start, body: valid, contentType: json, status: .badRequest, code: 60200),
        Row(
            name: "JSON sent as a form", path: start, body: #"{"To": "+14155550140", "Channel": "sms"}"#,
            status: .badRequest, code: 60200),
        // Content types.
        Row(
            name: "an XML body", path: start, body: "<To>+14155550140</To>", contentType: "application/xml",
            status: .unsupportedMediaType, code: 60200),
        Row(
            name: "a multipart body", path: start, body: "--x\r\n\r\n--x--",
            contentType: "multipart/form-data; boundary=x",
            status: .unsupportedMediaType, code: 60200),
        Row(
            name: "an HTML body", path: start, body: valid, contentType: "text/html; charset=utf-8",
            status: .unsupportedMediaType, code: 60200),
        Row(
            name: "a form type with a suffix", path: start, body: valid,
            contentType: "application/x-www-form-urlencoded-evil", status: .unsupportedMediaType, code: 60200),
        Row(
            name: "an octet stream", path: check, body: "Code=123456", contentType: "application/octet-stream",
            status: .unsupportedMediaType, code: 60200),
        // Checks: none of these may count an attempt.
        Row(name: "a check without Code", path: check, body: "To=%2B14155550149", status: .badRequest, code: 60200),
        badCode("with a NUL", "1234\u{0}56"),
        badCode("with SQL", "123456' OR '1'='1"),
        badCode("in Arabic-Indic digits", "١٢٣٤٥٦"),
        badCode("in fullwidth digits", "１２３４５６"),
        badCode("of a hundred digits", String(repeating: "1", count: 100)),
        badCode("that is empty", ""),
        Row(
            name: "Code given twice", path: check, body: "To=%2B14155550149&Code=123456&Code=654321",
            status: .badRequest, code: 60200),
        Row(
            name: "a check of a To that is not E.164", path: check, body: "To=4155550149&Code=123456",
            status: .badRequest, code: 60200),
        Row(
            name: "a check whose VerificationSid is SQL", path: check,
            body: "VerificationSid=VE'%20OR%201=1&Code=123456",
            status: .badRequest, code: 60200),
        // Services.
        Row(
            name: "a FriendlyName with a NUL", path: services, body: "FriendlyName=Ac%00me", status: .badRequest,
            code: 60200),
        Row(
            name: "a FriendlyName with SQL", path: services,
            body: "FriendlyName=" + encode("Robert'); DROP TABLE services;--"),
            status: .badRequest, code: 60200),
        Row(
            name: "a CodeLength in Arabic-Indic digits", path: services, body: "FriendlyName=Acme&CodeLength=%D9%A6",
            status: .badRequest, code: 60200),
        Row(
            name: "a CodeLength of 6.0", path: services, body: "FriendlyName=Acme&CodeLength=6.0", status: .badRequest,
            code: 60200),
        Row(
            name: "a CodeLength past Int", path: services, body: "FriendlyName=Acme&CodeLength=99999999999999999999999",
            status: .badRequest, code: 60200),
        Row(
            name: "CodeLength given twice", path: services, body: "FriendlyName=Acme&CodeLength=6&CodeLength=8",
            status: .badRequest, code: 60200),
        Row(
            name: "a LookupEnabled of yes", path: services, body: "FriendlyName=Acme&LookupEnabled=yes",
            status: .badRequest, code: 60200),
        Row(
            name: "a negative CodeValiditySeconds", path: services, body: "FriendlyName=Acme&CodeValiditySeconds=-1",
            status: .badRequest, code: 60200),
        Row(
            name: "an update with DoNotShareWarningEnabled=maybe", path: "/v2/Services/{VA}",
            body: "DoNotShareWarningEnabled=maybe", status: .badRequest, code: 60200),
        Row(
            name: "a service SID of SQL", method: .get, path: "/v2/Services/VA'%20OR%201=1--", body: nil,
            contentType: nil, status: .notFound, code: 20404),
        Row(
            name: "a verification SID with a NUL", method: .get, path: "/v2/Services/{VA}/Verifications/VE%00",
            body: nil, contentType: nil, status: .notFound, code: 20404),
        Row(
            name: "an update to status deleted", path: "/v2/Services/{VA}/Verifications/{VE}", body: "Status=deleted",
            status: .badRequest, code: 60200),
        Row(
            name: "an update without Status", path: "/v2/Services/{VA}/Verifications/{VE}", body: "",
            status: .badRequest, code: 60200),
        Row(
            name: "Status given twice", path: "/v2/Services/{VA}/Verifications/{VE}",
            body: "Status=canceled&Status=canceled", status: .badRequest, code: 60200),
        Row(
            name: "a PageSize in Arabic-Indic digits", method: .get, path: "/v2/Services?PageSize=%D9%A5", body: nil,
            contentType: nil, status: .badRequest, code: 60200),
        // Credentials.
        Row(name: "no Authorization", path: start, body: valid, authorization: nil, status: .unauthorized, code: 20003),
        Row(
            name: "Basic credentials of SQL", path: start, body: valid,
            authorization: HTTPFixture.basic("' OR 1=1--", "x"), status: .unauthorized, code: 20003),
        Row(
            name: "a Bearer token", path: start, body: valid, authorization: "Bearer abc", status: .unauthorized,
            code: 20003),
        Row(
            name: "Basic credentials that are not base64", path: start, body: valid, authorization: "Basic !!!",
            status: .unauthorized, code: 20003),
        Row(
            name: "the account SID with a wrong token", path: start, body: valid,
            authorization: HTTPFixture.basic(HTTPFixture.accountSid, "wrong"), status: .unauthorized, code: 20003),
        Row(
            name: "a cross-site Origin creating a service", path: services, body: "FriendlyName=Acme",
            headers: ["Origin": "https://attacker.example"], status: .forbidden, code: 20403),
        // Rate limits, buckets and the Safe List.
        Row(
            name: "a UniqueName with a space", path: limits, body: "UniqueName=end%20user", status: .badRequest,
            code: 60209),
        Row(
            name: "a UniqueName of 65 characters", path: limits,
            body: "UniqueName=" + String(repeating: "a", count: 65), status: .badRequest, code: 60209),
        Row(
            name: "a UniqueName with SQL", path: limits, body: "UniqueName=a'%3BDROP", status: .badRequest, code: 60209),
        Row(
            name: "a UniqueName in fullwidth letters", path: limits, body: "UniqueName=" + encode("ａｂｃ"),
            status: .badRequest, code: 60209),
        Row(
            name: "a rate limit without UniqueName", path: limits, body: "Description=x", status: .badRequest,
            code: 60200),
        Row(
            name: "a Description with a control character", path: limits, body: "UniqueName=ip&Description=a%07b",
            status: .badRequest, code: 60200),
        Row(
            name: "a bucket with Max 0", path: limits + "/{RK}/Buckets", body: "Max=0&Interval=60", status: .badRequest,
            code: 60200),
        Row(
            name: "a bucket with an Interval in Arabic-Indic digits", path: limits + "/{RK}/Buckets",
            body: "Max=5&Interval=%D9%A6%D9%A0", status: .badRequest, code: 60200),
        Row(
            name: "a bucket without Max", path: limits + "/{RK}/Buckets", body: "Interval=60", status: .badRequest,
            code: 60200),
        Row(
            name: "Interval given twice", path: limits + "/{RK}/Buckets", body: "Max=5&Interval=60&Interval=3600",
            status: .badRequest, code: 60200),
        Row(
            name: "a Safe List number without +", path: "/v2/SafeList/Numbers", body: "PhoneNumber=14155550140",
            status: .badRequest, code: 60200),
        Row(
            name: "a Safe List number in fullwidth digits", path: "/v2/SafeList/Numbers",
            body: "PhoneNumber=" + encode("+１４１５５５５０１４０"), status: .badRequest, code: 60200),
        Row(
            name: "a Safe List number with SQL", method: .delete, path: "/v2/SafeList/Numbers/'%20OR%201=1", body: nil,
            contentType: nil, status: .notFound, code: 20404),
    ]
}
