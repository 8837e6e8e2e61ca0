import NIOHTTP1

/// A complete HTTP response of the fake.
struct FakeTwilioResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    static func json(status: Int, _ body: String, extraHeaders: [(name: String, value: String)] = []) -> Self {
        FakeTwilioResponse(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8")] + extraHeaders,
            body: body
        )
    }

    /// Twilio's error body: `{"code", "message", "more_info", "status"}`, never RFC 9457 `type`/`title` keys.
    static func twilioError(
        status: Int,
        code: Int,
        message: String,
        extraHeaders: [(name: String, value: String)] = []
    ) -> Self {
        let body = FakeTwilioJSON.object([
            ("code", .number(code)),
            ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")),
            ("status", .number(status)),
        ])
        return .json(status: status, body, extraHeaders: extraHeaders)
    }

    var head: HTTPResponseHead {
        var fields = HTTPHeaders(headers.map { ($0.name, $0.value) })
        fields.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
        fields.replaceOrAdd(name: "Date", value: FakeTwilioClock.rfc2822(FakeTwilioClock.now()))
        return HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields)
    }
}

/// What the connection handler does after a request was recorded.
indirect enum FakeTwilioAction: Sendable {
    case respond(FakeTwilioResponse)
    case hang(Duration)
    case drop
    case delay(Duration, then: FakeTwilioAction)

    var disposition: FakeTwilioRequest.Disposition {
        switch self {
        case .respond(let response): .answered(status: response.status)
        case .hang: .hung
        case .drop: .dropped
        case .delay(_, let then): then.disposition
        }
    }
}
