import HTTPTypes
import TestSupport

extension MalformedInputTests {
    static let status = "/twilio/status/{VL}"
    static let incoming = "/twilio/incoming/sms"
    static let stop = "From=%2B14155550149&Body=STOP&MessageSid=SM0123456789abcdef0123456789abcdef"

    static let webhookRows: [Row] = [
        Row(
            name: "a status callback without a signature", path: status, body: "MessageStatus=delivered",
            authorization: nil, status: .forbidden),
        Row(
            name: "a status callback with a wrong signature", path: status, body: "MessageStatus=delivered",
            authorization: nil, signature: .header("AAAAAAAAAAAAAAAAAAAAAAAAAAA="), status: .forbidden),
        Row(
            name: "a signature that is not base64", path: status, body: "MessageStatus=delivered", authorization: nil,
            signature: .header("!!!"), status: .forbidden),
        Row(
            name: "an empty signature", path: status, body: "MessageStatus=delivered", authorization: nil,
            signature: .header(""), status: .forbidden),
        Row(
            name: "a signature of 8 KB", path: status, body: "MessageStatus=delivered", authorization: nil,
            signature: .header(String(repeating: "A", count: 8192)), status: .forbidden),
        Row(
            name: "a signature for another path", path: status, body: "MessageStatus=delivered", authorization: nil,
            signature: .over(path: "/twilio/status/VL00000000000000000000000000000000", form: nil), status: .forbidden),
        Row(
            name: "a signature over other parameters", path: status, body: "MessageStatus=delivered",
            authorization: nil, signature: .over(path: nil, form: "MessageStatus=failed"), status: .forbidden),
        Row(
            name: "a parameter added after signing", path: status, body: "MessageStatus=delivered&ErrorCode=30003",
            authorization: nil, signature: .over(path: nil, form: "MessageStatus=delivered"), status: .forbidden),
        Row(
            name: "a signature with another token", path: status, body: "MessageStatus=delivered", authorization: nil,
            signature: .token("not-the-token"), status: .forbidden),
        Row(
            name: "a JSON callback without bodySHA256", path: status, body: #"{"MessageStatus": "delivered"}"#,
            contentType: json, authorization: nil, signature: .valid, status: .forbidden),
        Row(
            name: "a status callback of 10 MB", path: status, body: "MessageStatus=delivered&Pad=" + tenMegabytes,
            authorization: nil, signature: .valid, status: .contentTooLarge),
        Row(
            name: "a status callback as text/plain", path: status, body: "MessageStatus=delivered",
            contentType: "text/plain", authorization: nil, signature: .valid, status: .unsupportedMediaType),
        Row(
            name: "a status callback for an attempt SID of SQL", path: "/twilio/status/VL'%20OR%201=1",
            body: "MessageStatus=delivered", authorization: nil, signature: .valid, status: .notFound),
        Row(
            name: "MessageStatus given twice", path: status, body: "MessageStatus=delivered&MessageStatus=failed",
            authorization: nil, signature: .valid, status: .badRequest),
        Row(
            name: "a MessageStatus with a NUL", path: status, body: "MessageStatus=deliv%00ered", authorization: nil,
            signature: .valid, status: .badRequest),
        Row(name: "a STOP without a signature", path: incoming, body: stop, authorization: nil, status: .forbidden),
        Row(
            name: "a STOP signed for the status path", path: incoming, body: stop, authorization: nil,
            signature: .over(path: "/twilio/status/{VL}", form: nil), status: .forbidden),
        Row(
            name: "a STOP without MessageSid", path: incoming, body: "From=%2B14155550149&Body=STOP",
            authorization: nil, signature: .valid, status: .badRequest),
        Row(
            name: "a STOP whose MessageSid is SQL", path: incoming,
            body: "From=%2B14155550149&Body=STOP&MessageSid=SM'%3B%20DROP%20TABLE%20phones", authorization: nil,
            signature: .valid, status: .badRequest),
        Row(
            name: "a STOP with From given twice", path: incoming, body: stop + "&From=%2B14155550148",
            authorization: nil, signature: .valid, status: .badRequest),
        Row(
            name: "a STOP with a NUL in Body", path: incoming,
            body: "From=%2B14155550149&Body=ST%00OP&MessageSid=SM0123456789abcdef0123456789abcdef", authorization: nil,
            signature: .valid, status: .badRequest),
        // An unreadable form cannot have been signed: 403, as a wrong signature.
        Row(
            name: "an incoming form with a broken escape", path: incoming, body: "From=%zz&Body=STOP",
            authorization: nil, signature: .valid, status: .forbidden),
        Row(
            name: "an incoming call without a signature", path: "/twilio/incoming/voice", body: "From=%2B14155550149",
            authorization: nil, status: .forbidden),
        Row(
            name: "a voice webhook with a wrong signature", path: "/twilio/voice/{VE}", body: "", authorization: nil,
            signature: .header("bm90IGEgc2lnbmF0dXJl"), status: .forbidden),
    ]
}
