/// One XML element of a TwiML document.
struct TwiMLElement: Sendable, Hashable {
    enum Content: Sendable, Hashable {
        case empty
        case text(String)
        case children([TwiMLElement])
    }

    let name: String
    /// Sorted by name when written, whatever order they were added in.
    let attributes: [Attribute]
    let content: Content

    struct Attribute: Sendable, Hashable {
        let name: String
        let value: String
    }

    init(name: String, attributes: [(String, String)], content: Content) {
        self.name = name
        self.attributes = attributes.map { Attribute(name: $0.0, value: $0.1) }.sorted { $0.name < $1.name }
        self.content = content
    }

    func write(to output: inout String) {
        output += "<" + name
        for attribute in attributes {
            output += " \(attribute.name)=\"\(XMLEscaping.attribute(attribute.value))\""
        }
        switch content {
        case .empty:
            output += "/>"
        case .text(let text):
            output += ">" + XMLEscaping.text(text) + "</\(name)>"
        case .children(let children):
            output += ">"
            for child in children {
                child.write(to: &output)
            }
            output += "</\(name)>"
        }
    }
}

/// XML 1.0 escaping for text and double-quoted attribute values.
enum XMLEscaping {
    /// Escapes `&`, `<` and `>` and drops characters XML 1.0 cannot represent at all.
    static func text(_ string: String) -> String {
        escape(string, quoteAndWhitespace: false)
    }

    /// Also escapes `"` and writes tab and line breaks as references, which attribute normalisation would
    /// otherwise turn into spaces.
    static func attribute(_ string: String) -> String {
        escape(string, quoteAndWhitespace: true)
    }

    private static func escape(_ string: String, quoteAndWhitespace: Bool) -> String {
        var output = ""
        output.reserveCapacity(string.utf8.count)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"" where quoteAndWhitespace: output += "&quot;"
            case "\t" where quoteAndWhitespace: output += "&#9;"
            case "\n" where quoteAndWhitespace: output += "&#10;"
            case "\r": output += "&#13;"
            case "\t", "\n": output.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": continue
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
