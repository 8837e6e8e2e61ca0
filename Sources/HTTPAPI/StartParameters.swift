import Foundation
import VerifyCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The rules for CreateVerification's optional parameters. Each returns the value as it will be stored, or nil when
/// the value breaks the rule; what is stored is exactly what was checked.
enum StartParameters {
    /// A BCP 47 tag of the shape Twilio's locales have: a language of 2–3 ASCII letters, an optional script of 4
    /// letters, an optional region of 2 letters or 3 digits (`en`, `pt-BR`, `zh-Hant-TW`, `es-419`).
    static func locale(_ text: String) -> String? {
        var parts = text.split(separator: "-", omittingEmptySubsequences: false)[...]
        guard let language = parts.popFirst(), (2...3).contains(language.utf8.count), isLetters(language) else {
            return nil
        }
        if let script = parts.first, script.utf8.count == 4, isLetters(script) { parts.removeFirst() }
        if let region = parts.first,
            (region.utf8.count == 2 && isLetters(region))
                || (region.utf8.count == 3 && region.utf8.allSatisfy { (0x30...0x39).contains($0) })
        {
            parts.removeFirst()
        }
        return parts.isEmpty ? text : nil
    }

    /// The 11-character app hash Android's SMS Retriever matches (the start of a base64 SHA-256), appended to the
    /// SMS as its last line: base64's alphabet only, so it cannot carry a line break or a control character.
    static func appHash(_ text: String) -> String? {
        let isBase64 = text.utf8.allSatisfy { byte in
            isASCIILetter(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "/")
        }
        return text.utf8.count == 11 && isBase64 ? text : nil
    }

    /// An IPv4 or IPv6 address in its canonical text form (`2001:DB8:0::1` → `2001:db8::1`), by the C library's
    /// own parser, which refuses zones, prefixes and the leading zeros some parsers read as octal.
    static func deviceIP(_ text: String) -> String? {
        // The C parser would stop at a NUL and accept what came before it.
        guard !text.utf8.contains(0) else { return nil }
        var storage = [UInt8](repeating: 0, count: 16)
        var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        for family in [AF_INET, AF_INET6] {
            guard inet_pton(family, text, &storage) == 1 else { continue }
            guard inet_ntop(family, storage, &output, socklen_t(output.count)) != nil else { return nil }
            return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }

    /// Twilio's rule for `Tags`: a JSON object of at most 10 tags, keys of 1–128 and string values of at most 128
    /// characters, plus verifyd's: no key given twice and no control character (NUL included) in any key or value,
    /// which `jsonb` would refuse or keep invisibly. Returned re-encoded, so only what was read is stored.
    static func tags(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object.count <= 10, JSONObjectKeys.topLevel(bytes).count == object.count,
            object.allSatisfy({ key, value in
                guard let value = value as? String else { return false }
                return (1...128).contains(key.count) && value.count <= 128 && !hasControl(key) && !hasControl(value)
            }),
            let encoded = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// Twilio's `RateLimits`: a JSON object from rate limits' unique names to the value this start is counted under,
    /// as text (`{"end_user_ip_address": "203.0.113.7"}`); an integer value counts as its decimal text, as a client
    /// that sends a user id as a number means it. No name twice, and `RateLimitKeys`' rules for names and values.
    /// Whether the service has those rate limits is the store's question.
    static func rateLimits(_ text: String) -> RateLimitKeys? {
        let bytes = Array(text.utf8)
        guard let object = try? JSONDecoder().decode([String: JSONParameter].self, from: Data(bytes)),
            JSONObjectKeys.topLevel(bytes).count == object.count
        else { return nil }
        var values: [String: String] = [:]
        for (name, value) in object {
            switch value {
            case .string(let text): values[name] = text
            case .number(let number) where number.rounded() == number && abs(number) < 1e15:
                values[name] = String(Int(number))
            default: return nil
            }
        }
        return RateLimitKeys(values)
    }

    private static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private static func isLetters(_ text: Substring) -> Bool { text.utf8.allSatisfy(isASCIILetter) }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
