import Foundation

/// The keys of a JSON object as written, repeats included. Foundation's decoders keep one value of a repeated key
/// without saying so (`JSONDecoder` the first, `JSONSerialization` the last); a repeat must be refused instead.
enum JSONObjectKeys {
    /// The keys of the outermost object of `bytes`, which must already have parsed as a JSON object.
    static func topLevel(_ bytes: [UInt8]) -> [String] {
        var keys: [String] = []
        var depth = 0
        var expectsKey = false
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                depth += 1
                expectsKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectsKey = depth == 1
            case UInt8(ascii: "\""):
                let end = closingQuote(bytes, after: index)
                if expectsKey {
                    keys.append(decoded(bytes[index...min(end, bytes.count - 1)]))
                    expectsKey = false
                }
                index = end
            default:
                break
            }
            index += 1
        }
        return keys
    }

    private static func closingQuote(_ bytes: [UInt8], after opening: Int) -> Int {
        var index = opening + 1
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        return index
    }

    /// A key with its escapes resolved, so `"To"` and `"\u0054o"` are the same key.
    private static func decoded(_ literal: ArraySlice<UInt8>) -> String {
        (try? JSONDecoder().decode(String.self, from: Data(literal))) ?? String(decoding: literal, as: UTF8.self)
    }
}
