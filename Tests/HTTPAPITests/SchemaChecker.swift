import Foundation

@testable import HTTPAPI

/// Checks a JSON value against a schema of the OpenAPI document: the part of JSON Schema 2020-12 its response
/// schemas use. A keyword it does not know is reported as a violation, so the document cannot grow one that this
/// check would silently skip. (Schemathesis checks the same schemas against live traffic; this runs in every
/// `swift test`.)
struct SchemaChecker {
    let document: JSONParameter

    static let annotations: Set<String> = ["description", "examples", "format", "example"]
    static let keywords: Set<String> = [
        "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern",
        "minimum", "maximum", "maxItems", "anyOf", "allOf",
    ]

    /// Every way `value` breaks `schema`, each with the JSON path where it does; empty when it conforms.
    func violations(of value: JSONParameter, against schema: JSONParameter, at path: String = "$") -> [String] {
        var found: [String] = []
        for (keyword, argument) in schema.members.sorted(by: { $0.key < $1.key }) {
            if Self.annotations.contains(keyword) { continue }
            guard Self.keywords.contains(keyword) else {
                found.append("\(path): the checker does not know the keyword \(keyword)")
                continue
            }
            found += violations(of: value, keyword: keyword, argument: argument, schema: schema, at: path)
        }
        return found
    }

    private func violations(
        of value: JSONParameter, keyword: String, argument: JSONParameter, schema: JSONParameter, at path: String
    ) -> [String] {
        switch keyword {
        case "$ref":
            guard let target = argument.string.flatMap(document.resolve(pointer:)) else {
                return ["\(path): unresolved $ref \(argument.text)"]
            }
            return violations(of: value, against: target, at: path)
        case "type":
            let names = argument.string.map { [$0] } ?? argument.elements.compactMap(\.string)
            return names.contains(where: { Self.has(value, type: $0) })
                ? [] : ["\(path): \(value.text) is not \(names)"]
        case "properties":
            return argument.members.flatMap { name, subschema in
                value[name].map { violations(of: $0, against: subschema, at: "\(path).\(name)") } ?? []
            }
        case "required":
            guard case .object(let members) = value else { return [] }
            return argument.elements.compactMap(\.string).filter { members[$0] == nil }.map { "\(path): no \($0)" }
        case "additionalProperties":
            let declared = schema["properties"]?.members ?? [:]
            return value.members.filter { declared[$0.key] == nil }.flatMap { name, member in
                argument == .bool(false)
                    ? ["\(path): \(name) is not in the document"]
                    : argument == .bool(true) ? [] : violations(of: member, against: argument, at: "\(path).\(name)")
            }
        case "items":
            return value.elements.enumerated().flatMap { violations(of: $1, against: argument, at: "\(path)[\($0)]") }
        case "enum":
            return argument.elements.contains(value) ? [] : ["\(path): \(value.text) is not one of \(argument.text)"]
        case "const":
            return value == argument ? [] : ["\(path): \(value.text) is not \(argument.text)"]
        case "pattern":
            guard let text = value.string else { return [] }
            guard let pattern = argument.string, let regex = try? Regex(pattern) else {
                return ["\(path): unusable pattern \(argument.text)"]
            }
            return text.contains(regex) ? [] : ["\(path): \(text.debugDescription) does not match \(pattern)"]
        case "minimum", "maximum":
            guard case .number(let number) = value, case .number(let bound) = argument else { return [] }
            let within = keyword == "minimum" ? number >= bound : number <= bound
            return within ? [] : ["\(path): \(number) breaks \(keyword) \(bound)"]
        case "maxItems":
            guard case .number(let bound) = argument, case .array(let elements) = value else { return [] }
            return Double(elements.count) <= bound ? [] : ["\(path): more than \(bound) items"]
        case "anyOf":
            let branches = argument.elements.map { violations(of: value, against: $0, at: path) }
            return branches.contains(where: \.isEmpty) ? [] : ["\(path): matches no branch: \(branches.joined())"]
        case "allOf":
            return argument.elements.flatMap { violations(of: value, against: $0, at: path) }
        default:
            return ["\(path): the checker does not know the keyword \(keyword)"]
        }
    }

    static func has(_ value: JSONParameter, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array),
            ("object", .object):
            true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}
