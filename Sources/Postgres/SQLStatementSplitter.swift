import Foundation

/// Splits SQL text at top-level semicolons, for files that must run one statement at a time outside a transaction
/// (a multi-statement query string is an implicit transaction, which `CREATE INDEX CONCURRENTLY` refuses).
/// Quotes, quoted identifiers, dollar quoting and both comment styles are respected.
enum SQLStatementSplitter {
    static func split(_ sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty, !isOnlyComments(text) { statements.append(text) }
            current = String.UnicodeScalarView()
        }

        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "-" && next == "-" {
                let end = characters[index...].firstIndex(of: "\n") ?? characters.count
                current.append(contentsOf: characters[index..<end])
                index = end
            } else if character == "/" && next == "*" {
                let end = closingIndex(of: ["*", "/"], in: characters, from: index + 2)
                current.append(contentsOf: characters[index..<end])
                index = end
            } else if character == "'" || character == "\"" {
                let end = closingIndex(of: [character], in: characters, from: index + 1)
                current.append(contentsOf: characters[index..<end])
                index = end
            } else if character == "$", let tag = dollarTag(in: characters, at: index) {
                let end = closingIndex(of: tag, in: characters, from: index + tag.count)
                current.append(contentsOf: characters[index..<end])
                index = end
            } else if character == ";" {
                flush()
                index += 1
            } else {
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }

    /// The index just past the first occurrence of `terminator` at or after `start`, or the end of the text.
    private static func closingIndex(of terminator: [Unicode.Scalar], in text: [Unicode.Scalar], from start: Int) -> Int
    {
        var index = start
        while index + terminator.count <= text.count {
            if Array(text[index..<(index + terminator.count)]) == terminator { return index + terminator.count }
            index += 1
        }
        return text.count
    }

    /// `$tag$` or `$$` starting at `index`, if there is one.
    private static func dollarTag(in text: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < text.count, text[end] == "_" || text[end].properties.isAlphabetic || ("0"..."9").contains(text[end])
        {
            end += 1
        }
        guard end < text.count, text[end] == "$" else { return nil }
        if end > index + 1, ("0"..."9").contains(text[index + 1]) { return nil }
        return Array(text[index...end])
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
