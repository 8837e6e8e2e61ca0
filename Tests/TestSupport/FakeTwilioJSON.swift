#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Just enough JSON writing for Twilio-shaped bodies, keeping keys in the order given.
enum FakeTwilioJSON {
    enum Value: Sendable {
        case string(String)
        case number(Int)
        case null
        case object([(String, Value)])
    }

    static func object(_ members: [(String, Value)]) -> String {
        var output = ""
        write(.object(members), to: &output)
        return output
    }

    private static func write(_ value: Value, to output: inout String) {
        switch value {
        case .string(let string):
            output += quoted(string)
        case .number(let number):
            output += String(number)
        case .null:
            output += "null"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                output += (index > 0 ? ", " : "") + quoted(member.0) + ": "
                write(member.1, to: &output)
            }
            output += "}"
        }
    }

    private static func quoted(_ string: String) -> String {
        var output = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}

/// Wall-clock time in the formats Twilio uses.
enum FakeTwilioClock {
    /// Seconds since 1970.
    static func now() -> Int {
        Int(time(nil))
    }

    /// RFC 2822, as in Twilio's `date_created`: `Thu, 24 Aug 2023 05:01:45 +0000`.
    static func rfc2822(_ seconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
