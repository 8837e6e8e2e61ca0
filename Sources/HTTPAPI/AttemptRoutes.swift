import Foundation
import Hummingbird
import VerifyCore

/// `/v2/Attempts`, `/v2/Attempts/{VL…}` and `/v2/Attempts/Summary`: the account's delivery attempts, across every
/// service, as Twilio's Verification Attempts API answers them. An operator's report, not a hot path.
struct AttemptRoutes: Sendable {
    let attempts: any AttemptStore
    let json: ResourceJSON

    func register(on router: RouterGroup<APIRequestContext>) {
        router.get("/v2/Attempts") { request, _ in try await list(request) }
        router.get("/v2/Attempts/Summary") { request, _ in try await summary(request) }
        router.get("/v2/Attempts/{sid}") { _, context in try await fetch(context) }
    }

    private func list(_ request: Request) async throws -> Response {
        let query = try RequestParameters.query(request)
        let filter = try AttemptFilterParameters(query, names: AttemptFilterParameters.listNames)
        let page = try TwilioPage(query)
        let cursor = try page.token.map(Self.cursor)
        let rows = try await attempts.attempts(
            matching: filter.filter, before: cursor, offset: page.offset, limit: page.size + 1)
        let shown = Array(rows.prefix(page.size))
        let meta = page.meta(
            key: "attempts", publicURL: json.publicURL, path: "/v2/Attempts", filters: filter.given,
            nextToken: rows.count > page.size ? shown.last.map(Self.token) : nil)
        return JSONValue.object([("attempts", .array(shown.map(json.attempt))), ("meta", meta)]).response()
    }

    private func summary(_ request: Request) async throws -> Response {
        let query = try RequestParameters.query(request)
        let filter = try AttemptFilterParameters(query, names: AttemptFilterParameters.summaryNames)
        return json.attemptsSummary(try await attempts.totals(matching: filter.filter)).response()
    }

    private func fetch(_ context: APIRequestContext) async throws -> Response {
        let raw = context.parameters.get("sid") ?? ""
        guard let sid = AttemptSid(raw) else { throw APIError.notFound(path: "/Attempts/\(raw.prefix(34))") }
        guard let attempt = try await attempts.attempt(sid) else { throw VerifyError(.notFound(.attempt(sid))) }
        return json.attempt(attempt).response()
    }

    /// Page tokens name the last attempt shown: `PA` + its creation time in microseconds + `_` + its SID.
    static func token(for attempt: VerificationAttempt) -> String {
        "PA\(Int64((attempt.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(attempt.sid)"
    }

    static func cursor(_ token: String) throws(VerifyError) -> AttemptPageCursor {
        let parts = token.dropFirst(2).split(separator: "_", maxSplits: 1)
        guard token.hasPrefix("PA"), parts.count == 2, (1...18).contains(parts[0].count),
            parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }), let micros = Int64(parts[0]),
            let sid = AttemptSid(parts[1])
        else { throw VerifyError.invalid("PageToken") }
        return AttemptPageCursor(createdAtMicroseconds: micros, sid: sid)
    }
}

/// The filters of the Attempts API, read from a query and checked: 60200 naming the first that is malformed.
struct AttemptFilterParameters {
    static let listNames = [
        "DateCreatedAfter", "DateCreatedBefore", "ChannelData.To", "Country", "Channel", "VerifyServiceSid",
        "VerificationSid", "Status",
    ]
    static let summaryNames = [
        "VerifyServiceSid", "DateCreatedAfter", "DateCreatedBefore", "Country", "Channel", "DestinationPrefix",
    ]
    /// Twilio's channel names; verifyd sends only `sms` and `call`, so the others are valid and match nothing.
    static let channels: Set<String> = ["sms", "call", "email", "whatsapp", "rbm"]

    private(set) var filter = AttemptFilter()
    /// The filters as given, in `names` order, for the page URLs (which must keep them).
    private(set) var given: [(name: String, value: String)] = []

    init(_ query: RequestParameters, names: [String]) throws(VerifyError) {
        for name in names {
            guard let text = try query[name] else { continue }
            guard apply(name, text) else { throw VerifyError.invalid(name) }
            given.append((name, text))
        }
        if let from = filter.createdFrom, let before = filter.createdBefore, from > before {
            throw VerifyError.invalid("DateCreatedBefore")
        }
    }

    /// Sets the filter `name` from `text`; false when `text` is not a value it takes.
    private mutating func apply(_ name: String, _ text: String) -> Bool {
        switch name {
        case "DateCreatedAfter": set(\.createdFrom, TwilioDate.parse(text))
        case "DateCreatedBefore": set(\.createdBefore, TwilioDate.parse(text))
        case "ChannelData.To": set(\.to, PhoneNumber(e164: text))
        case "Country": set(\.region, RegionCode(text))
        case "Channel": set(\.channel, Self.channels.contains(text.lowercased()) ? text.lowercased() : nil)
        case "VerifyServiceSid": set(\.service, ServiceSid(text))
        case "VerificationSid": set(\.verification, VerificationSid(text))
        // Twilio's enum is lower case, its description upper case; both are accepted.
        case "Status": set(\.converted, ["converted": true, "unconverted": false][text.lowercased()])
        case "DestinationPrefix": set(\.destinationPrefix, Self.prefix(text))
        default: false
        }
    }

    private mutating func set<Value>(_ field: WritableKeyPath<AttemptFilter, Value?>, _ value: Value?) -> Bool {
        filter[keyPath: field] = value
        return value != nil
    }

    /// The digits of an E.164 prefix, given with or without its `+` (digits alone need no encoding in a URL).
    private static func prefix(_ text: String) -> String? {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard (1...15).contains(digits.utf8.count), digits.utf8.first != UInt8(ascii: "0"),
            digits.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return String(digits)
    }
}
