import HTTPTypes
import TestSupport

extension MalformedInputTests {
    static let originalRows: [Row] = [
        Row(name: "/sms without number", path: "/sms", body: "", status: .badRequest),
        Row(name: "/sms with letters", path: "/sms", body: "number=abc", status: .badRequest),
        Row(
            name: "/sms in fullwidth digits", path: "/sms", body: "number=" + encode("+１４１５５５５０１４０"),
            status: .badRequest),
        Row(
            name: "/sms in Arabic-Indic digits", path: "/sms", body: "number=" + encode("+١٤١٥٥٥٥٠١٤٠"),
            status: .badRequest),
        Row(name: "/sms with a NUL", path: "/sms", body: "number=%2B14155550140%00", status: .badRequest),
        Row(
            name: "/sms with number twice", path: "/sms", body: "number=%2B14155550140&number=%2B14155550141",
            status: .badRequest),
        Row(
            name: "/sms with SQL", path: "/sms", body: "number=" + encode("+14155550140'; DROP TABLE phones;--"),
            status: .badRequest),
        Row(
            name: "/sms with CRLF and a header", path: "/sms", body: "number=%2B14155550140%0D%0AX-Injected:%201",
            status: .badRequest),
        Row(name: "/sms of 16 digits", path: "/sms", body: "number=%2B1234567890123456", status: .badRequest),
        Row(
            name: "/sms of 10 MB", path: "/sms", body: "number=%2B14155550140&pad=" + tenMegabytes,
            status: .contentTooLarge),
        Row(
            name: "/sms with an XML body", path: "/sms", body: "<number/>", contentType: "application/xml",
            status: .unsupportedMediaType),
        Row(
            name: "/sms with a body and no Content-Type", path: "/sms", body: "number=%2B14155550140", contentType: nil,
            status: .unsupportedMediaType),
        Row(
            name: "/sms with JSON cut short", path: "/sms", body: #"{"number": "+1"#, contentType: json,
            status: .badRequest),
        Row(
            name: "/sms with a JSON array", path: "/sms", body: #"["+14155550140"]"#, contentType: json,
            status: .badRequest),
        Row(
            name: "/sms without credentials", path: "/sms", body: "number=%2B14155550140", authorization: nil,
            status: .unauthorized),
        Row(
            name: "/sms from a look-alike origin", path: "/sms", body: "number=%2B14155550140",
            headers: ["Origin": "https://verify.example.test.attacker.example"], status: .forbidden),
        Row(name: "/who of one digit", path: "/who", body: "number=%2B1", status: .badRequest),
        Row(name: "/who with a NUL", path: "/who", body: "number=%00", status: .badRequest),
        Row(
            name: "/who of 10 MB", path: "/who", body: "number=%2B14155550140&pad=" + tenMegabytes,
            status: .contentTooLarge),
        Row(
            name: "/who with a multipart body", path: "/who", body: "--x--",
            contentType: "multipart/form-data; boundary=x", status: .unsupportedMediaType),
        Row(
            name: "/who with wrong credentials", path: "/who", body: "number=%2B14155550140",
            authorization: HTTPFixture.basic(HTTPFixture.accountSid, "nope"), status: .unauthorized),
        Row(
            name: "/auth for letters", method: .get, path: "/auth/abc/123456", body: nil, contentType: nil,
            status: .forbidden),
        Row(
            name: "/auth with a NUL code", method: .get, path: "/auth/%2B14155550149/%00", body: nil, contentType: nil,
            status: .forbidden),
        Row(
            name: "/auth with an Arabic-Indic code", method: .get, path: "/auth/%2B14155550149/" + encode("١٢٣٤٥٦"),
            body: nil, contentType: nil, status: .forbidden),
        Row(
            name: "/auth with a code of SQL", method: .get, path: "/auth/%2B14155550149/'%20OR%20'1'='1", body: nil,
            contentType: nil, status: .forbidden),
        Row(
            name: "/auth for a fullwidth number", method: .get, path: "/auth/" + encode("＋１４１５５５５０１４９") + "/123456",
            body: nil, contentType: nil, status: .forbidden),
        Row(
            name: "/auth without credentials", method: .get, path: "/auth/%2B14155550149/123456", body: nil,
            contentType: nil, authorization: nil, status: .unauthorized),
        Row(
            name: "/auth from a cross-site Origin", method: .post, path: "/auth/%2B14155550149/123456", body: nil,
            contentType: nil, headers: ["Origin": "https://attacker.example"], status: .forbidden),
    ]
}
