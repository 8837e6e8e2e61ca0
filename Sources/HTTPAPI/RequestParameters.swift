import Foundation
import HTTPTypes
import Hummingbird
import Twilio
import VerifyCore

/// The parameters of a request by Twilio's PascalCase names: a POST's body (form-encoded as Twilio's clients send
/// it, or a JSON object with the same names), a GET's query. Every value is kept, so a parameter verifyd reads that
/// was given twice is refused instead of one value silently winning; names verifyd does not read are ignored, as
/// Twilio ignores them, whatever they repeat.
struct RequestParameters: Sendable {
    private var values: [String: [String]] = [:]
    /// Names whose value was a JSON number or boolean: only `int(_:)` and `bool(_:)` read those, so `false` cannot
    /// pass for the text "false" (a service's name, a TTS voice) nor `123456` for a code.
    /// Names whose JSON value is not text, though it was written as text (`text(of:)`): read only as what they are.
    private var jsonScalars: Set<String> = []
    /// The parameters whose value is a JSON object (in a form, its text).
    private static let structured: Set<String> = ["Tags", "RateLimits"]

    /// No parameters.
    init() {}

    /// Refuses a NUL anywhere, in a name or a value, read or not: it is the one character PostgreSQL's text cannot
    /// hold (bytes that are not UTF-8 never became a String), and nothing the database would refuse may get further.
    init(_ pairs: [(name: String, value: String)]) throws(VerifyError) {
        for (name, value) in pairs {
            guard !name.utf8.contains(0) else { throw VerifyError.invalid("request body") }
            guard !value.utf8.contains(0) else { throw VerifyError.invalid(Self.printable(name)) }
            values[name, default: []].append(value)
        }
    }

    /// Reads the body of a POST. Form and JSON bodies only (415 for anything else, so a browser's `text/plain` form
    /// cannot pass for a form); an empty body is no parameters, whatever its type. The query string is not read.
    static func read(_ request: Request, context: APIRequestContext) async throws -> RequestParameters {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            // Refused before a byte of the body is read; the connection closes after the answer (RequestDeadlines).
            throw APIError.contentTooLarge
        }
        var request = request
        let bytes = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        if bytes.isEmpty { return RequestParameters() }
        return try parse(bytes, contentType: request.headers[.contentType])
    }

    /// The query string of a GET, strictly decoded.
    static func query(_ request: Request) throws -> RequestParameters {
        guard let query = request.uri.query, !query.isEmpty else { return RequestParameters() }
        guard let pairs = try? URLEncodedForm.decode(query) else { throw APIError.malformedBody }
        return try RequestParameters(pairs)
    }

    static func parse(_ bytes: [UInt8], contentType: String?) throws -> RequestParameters {
        switch BodyType(contentType) {
        case .json:
            guard let object = try? JSONDecoder().decode([String: JSONParameter].self, from: Data(bytes)) else {
                throw APIError.malformedBody
            }
            // JSON keeps the first of two equal keys; counting the keys first makes a repeat as visible as in a form.
            var pairs: [(name: String, value: String)] = []
            var scalars: Set<String> = []
            for key in JSONObjectKeys.topLevel(bytes) {
                guard let value = object[key] else { continue }
                if value.containsNUL { throw VerifyError.invalid(printable(key)) }
                if let text = text(of: value) { pairs.append((key, text)) }
                switch value {
                case .number, .bool: scalars.insert(key)
                // Tags and RateLimits are JSON objects; anywhere else an object or array is no text either.
                case .object, .array:
                    if !Self.structured.contains(key) { scalars.insert(key) }
                default: break
                }
            }
            var parameters = try RequestParameters(pairs)
            parameters.jsonScalars = scalars
            return parameters
        case .form:
            guard let pairs = try? URLEncodedForm.decode(bytes) else { throw APIError.malformedBody }
            return try RequestParameters(pairs)
        case nil:
            throw APIError.unsupportedMediaType
        }
    }

    enum BodyType {
        case form, json

        /// The media type of a `Content-Type`, ignoring its parameters (`charset=utf-8`); nil for any other type.
        init?(_ contentType: String?) {
            guard let contentType else { return nil }
            let bytes = Array(contentType.utf8)
            let mediaType = HeaderBytes.trimmed(bytes[..<(bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex)])
            if HeaderBytes.equalsIgnoringCase(mediaType, "application/x-www-form-urlencoded") {
                self = .form
            } else if HeaderBytes.equalsIgnoringCase(mediaType, "application/json") {
                self = .json
            } else {
                return nil
            }
        }
    }

    /// JSON scalars become the text a form would have carried; objects and arrays stay JSON (for `Tags`).
    private static func text(of value: JSONParameter) -> String? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let text): return text
        case .array, .object:
            return (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// A name as a 60200 message may quote it: Twilio-style names only, else the body as a whole.
    private static func printable(_ name: String) -> String {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_")
        }
        return allowed && (1...64).contains(name.utf8.count) ? name : "request body"
    }

    /// Every name followed by its values, names in order, for a digest of the request: equal parameters give equal
    /// fields however the body spelled them (form or JSON, in any order).
    var canonicalFields: [String] {
        values.keys.sorted().flatMap { name in [name, String(values[name]?.count ?? 0)] + (values[name] ?? []) }
    }

    /// The text of `name`, nil when absent; 60200 naming it when it was given more than once, or as a JSON number
    /// or boolean.
    subscript(name: String) -> String? {
        get throws(VerifyError) {
            guard !jsonScalars.contains(name) else { throw VerifyError.invalid(name) }
            return try single(name)
        }
    }

    /// The one value of `name`, whatever JSON type it came as.
    private func single(_ name: String) throws(VerifyError) -> String? {
        guard let given = values[name] else { return nil }
        guard given.count == 1 else { throw VerifyError.invalid(name) }
        return given[0]
    }

    /// The value of `name` as `rule` returns it (the form to store); absent is nil, a value the rule refuses is 60200.
    func checked<Value>(_ name: String, _ rule: (String) -> Value?) throws(VerifyError) -> Value? {
        guard let text = try self[name] else { return nil }
        guard let value = rule(text) else { throw VerifyError.invalid(name) }
        return value
    }

    /// A boolean as Twilio's clients send it (`true`/`false`, any case); absent is nil, anything else is 60200.
    func bool(_ name: String) throws(VerifyError) -> Bool? {
        guard let text = try single(name) else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw VerifyError.invalid(name)
        }
    }

    /// An integer; absent is nil, anything else is 60200.
    func int(_ name: String) throws(VerifyError) -> Int? {
        guard let text = try single(name) else { return nil }
        guard let value = Int(text) else { throw VerifyError.invalid(name) }
        return value
    }
}
