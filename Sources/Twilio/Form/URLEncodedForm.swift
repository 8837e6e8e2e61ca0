/// `application/x-www-form-urlencoded` encoding and decoding, keeping order and duplicate names.
///
/// Twilio signs every parameter it sends, duplicates included, so decoding must not collapse fields into a
/// dictionary.
public enum URLEncodedForm {
    /// Encodes `fields` in order: RFC 3986 unreserved bytes stay, space becomes `+`, all else is `%XX` of UTF-8.
    public static func encode(_ fields: [(name: String, value: String)]) -> String {
        var output: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 {
                output.append(UInt8(ascii: "&"))
            }
            appendEncoded(field.name, to: &output)
            output.append(UInt8(ascii: "="))
            appendEncoded(field.value, to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes a form body into its fields in order; `+` is a space, a field without `=` has an empty value.
    public static func decode(_ body: String) throws(URLEncodedFormError) -> [(name: String, value: String)] {
        try decode(Array(body.utf8))
    }

    /// Decodes a form body given as raw bytes.
    public static func decode(_ body: [UInt8]) throws(URLEncodedFormError) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var start = 0
        while start <= body.count {
            let end = body[start...].firstIndex(of: UInt8(ascii: "&")) ?? body.count
            // Empty pieces ("a=1&&b=2", a trailing "&") carry no field.
            if end > start {
                let piece = body[start..<end]
                if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                    let name = try decodeComponent(piece[..<equals])
                    let value = try decodeComponent(piece[(equals + 1)...])
                    fields.append((name: name, value: value))
                } else {
                    fields.append((name: try decodeComponent(piece), value: ""))
                }
            }
            start = end + 1
        }
        return fields
    }

    static func appendEncoded(_ string: String, to output: inout [UInt8]) {
        for byte in string.utf8 {
            if isUnreserved(byte) {
                output.append(byte)
            } else if byte == UInt8(ascii: " ") {
                output.append(UInt8(ascii: "+"))
            } else {
                appendPercentEncoded(byte, to: &output)
            }
        }
    }

    static func appendPercentEncoded(_ byte: UInt8, to output: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        output.append(UInt8(ascii: "%"))
        output.append(hex[Int(byte >> 4)])
        output.append(hex[Int(byte & 0x0F)])
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Percent-decodes one name or value; slice indices are body offsets, which is what the error reports.
    static func decodeComponent(_ bytes: ArraySlice<UInt8>) throws(URLEncodedFormError) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else {
                    throw URLEncodedFormError(.invalidPercentEncoding, at: index)
                }
                decoded.append(high << 4 | low)
                index += 2
            } else {
                decoded.append(byte)
            }
            index += 1
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw URLEncodedFormError(.invalidUTF8, at: bytes.startIndex)
        }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
