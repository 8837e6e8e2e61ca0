import Foundation
import HTTPTypes
import Hummingbird
import Twilio
import VerifyCore

/// The parameters of a request body, by Twilio's PascalCase names: form-encoded as Twilio's clients send them, or a
/// JSON object with the same names. When a name repeats, the first value counts.
struct RequestParameters: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ pairs: [(name: String, value: String)]) {
        for (name, value) in pairs where values[name] == nil { values[name] = value }
    }

    /// Reads the body of `request`. An unreadable body is a 400 with Twilio's error shape, never a crash.
    static func read(_ request: Request, context: APIRequestContext) async throws -> RequestParameters {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        var parameters = try parse(bytes, contentType: request.headers[.contentType])
        // Twilio's clients put nothing in the query of a POST, but a GET may carry parameters there; Hummingbird
        // has already percent-decoded the values.
        for (name, value) in request.uri.queryParameters where parameters.values[String(name)] == nil {
            parameters.values[String(name)] = String(value)
        }
        return parameters
    }

    static func parse(_ bytes: [UInt8], contentType: String?) throws -> RequestParameters {
        if bytes.isEmpty { return RequestParameters([]) }
        if contentType?.lowercased().hasPrefix("application/json") == true {
            guard let object = try? JSONDecoder().decode([String: JSONParameter].self, from: Data(bytes)) else {
                throw APIError.malformedBody
            }
            return RequestParameters(object.compactMap { key, value in text(of: value).map { (key, $0) } })
        }
        do {
            return RequestParameters(try URLEncodedForm.decode(bytes))
        } catch {
            throw APIError.malformedBody
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

    subscript(name: String) -> String? { values[name] }

    /// A boolean as Twilio's clients send it (`true`/`false`, any case); absent is nil, anything else is 60200.
    func bool(_ name: String) throws -> Bool? {
        guard let text = values[name] else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw VerifyError.invalid(name)
        }
    }

    /// An integer; absent is nil, anything else is 60200.
    func int(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw VerifyError.invalid(name) }
        return value
    }
}
