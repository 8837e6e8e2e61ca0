import Foundation

@testable import HTTPAPI

/// `JSONParameter` keeps booleans apart from numbers (`JSONSerialization` does not), which is what checking responses
/// and the OpenAPI document against each other needs.
extension JSONParameter {
    init(parsing bytes: some Sequence<UInt8>) throws {
        self = try JSONDecoder().decode(JSONParameter.self, from: Data(bytes))
    }

    subscript(key: String) -> JSONParameter? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    var members: [String: JSONParameter] {
        if case .object(let members) = self { members } else { [:] }
    }

    var elements: [JSONParameter] {
        if case .array(let elements) = self { elements } else { [] }
    }

    /// The value at a JSON pointer such as `#/components/schemas/Service`.
    func resolve(pointer: String) -> JSONParameter? {
        pointer.dropFirst(2).split(separator: "/").reduce(self) { value, token in
            value?[token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
        }
    }

    /// The value as JSON text, for messages.
    var text: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): number.rounded() == number ? "\(Int(number))" : "\(number)"
        case .string(let text): text.debugDescription
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ", ") + "]"
        case .object(let members):
            "{"
                + members.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription): \($0.value.text)" }
                .joined(separator: ", ") + "}"
        }
    }
}
