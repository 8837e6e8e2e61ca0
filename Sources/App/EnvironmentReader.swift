import Foundation

/// Reads settings from environment variables and collects every problem instead of stopping at the first, so one
/// run of a misconfigured command lists all that needs fixing.
struct EnvironmentReader {
    let values: [String: String]
    private(set) var problems: [String] = []

    init(_ values: [String: String]) {
        self.values = values
    }

    /// The trimmed value, or nil when unset or empty.
    func optional(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    mutating func required(_ name: String, _ purpose: String) -> String {
        guard let value = optional(name) else {
            problems.append("\(name) is not set (\(purpose))")
            return ""
        }
        return value
    }

    mutating func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = optional(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            problems.append(
                "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
            return value
        }
        return number
    }

    mutating func milliseconds(_ name: String, default value: Int, in range: ClosedRange<Int>) -> Duration {
        .milliseconds(integer(name, default: value, in: range))
    }

    mutating func boolean(_ name: String, default value: Bool) -> Bool {
        guard let text = optional(name) else { return value }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            problems.append("\(name) must be true or false, got \"\(text)\"")
            return value
        }
    }

    mutating func choice<Value: RawRepresentable & CaseIterable>(_ name: String, default value: Value) -> Value
    where Value.RawValue == String {
        guard let text = optional(name) else { return value }
        guard let chosen = Value(rawValue: text.lowercased()) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(name) must be one of \(allowed), got \"\(text)\"")
            return value
        }
        return chosen
    }

    /// A value that `parse` accepts; `what` describes the expected form in the problem.
    mutating func parsed<Value>(_ name: String, _ what: String, required: Bool, _ parse: (String) -> Value?) -> Value? {
        guard let text = optional(name) else {
            if required { problems.append("\(name) is not set (\(what))") }
            return nil
        }
        guard let value = parse(text) else {
            // Secrets are never echoed back.
            problems.append("\(name) must be \(what)")
            return nil
        }
        return value
    }

    mutating func problem(_ text: String) {
        problems.append(text)
    }
}

/// What a command prints when its configuration is incomplete: every problem, one per line.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
