import Foundation

/// A decoded JSON value that keeps booleans apart from numbers (`JSONSerialization` does not), for checking
/// responses against the OpenAPI document.
indirect enum JSONDocument: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONDocument])
    case object([String: JSONDocument])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let array = try? container.decode([JSONDocument].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONDocument].self))
        }
    }

    init(parsing bytes: some Sequence<UInt8>) throws {
        self = try JSONDecoder().decode(JSONDocument.self, from: Data(bytes))
    }

    subscript(key: String) -> JSONDocument? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    var members: [String: JSONDocument] {
        if case .object(let members) = self { members } else { [:] }
    }

    var elements: [JSONDocument] {
        if case .array(let elements) = self { elements } else { [] }
    }

    /// The value at a JSON pointer such as `#/components/schemas/Service`.
    func resolve(pointer: String) -> JSONDocument? {
        pointer.dropFirst(2).split(separator: "/").reduce(self) { value, token in
            value?[token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
    }
}
