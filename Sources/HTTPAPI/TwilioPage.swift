import Twilio
import VerifyCore

/// A page of a Twilio list: `PageSize`, `Page` and `PageToken` as Twilio's libraries send them, and the `meta` object
/// they follow. Pages are keyset tokens (`next_page_url` carries one) as well as offsets (`Page` alone), so the
/// previous page is the offset one before.
struct TwilioPage: Sendable {
    static let defaultSize = 50
    static let maximumSize = 1000
    /// Keeps `Page × PageSize` (the offset) far from overflowing.
    static let maximumNumber = 1_000_000

    let size: Int
    let number: Int
    let token: String?

    /// Reads the paging parameters; 60200 naming the one that is malformed or out of range.
    init(_ query: RequestParameters) throws(VerifyError) {
        size = try Self.count(query["PageSize"], default: Self.defaultSize, name: "PageSize")
        number = try Self.count(query["Page"], default: 0, name: "Page")
        guard (1...Self.maximumSize).contains(size) else { throw VerifyError.invalid("PageSize") }
        guard number <= Self.maximumNumber else { throw VerifyError.invalid("Page") }
        token = try query["PageToken"]
    }

    var offset: Int { number * size }

    /// `meta` for a list at `path` (under `publicURL`) whose other query parameters are `filters`. `nextToken` names
    /// the last item shown when there are more.
    func meta(
        key: String, publicURL: String, path: String, filters: [(name: String, value: String)], nextToken: String?
    )
        -> JSONValue
    {
        let query = filters.isEmpty ? "" : URLEncodedForm.encode(filters) + "&"
        let base = "\(publicURL)\(path)?\(query)PageSize=\(size)"
        let own = token.map { "&" + URLEncodedForm.encode([("PageToken", $0)]) } ?? ""
        return .object([
            ("page", .int(number)),
            ("page_size", .int(size)),
            ("first_page_url", .string("\(base)&Page=0")),
            ("previous_page_url", .string(number > 0 ? "\(base)&Page=\(number - 1)" : nil)),
            ("url", .string("\(base)&Page=\(number)\(own)")),
            (
                "next_page_url",
                .string(nextToken.map { "\(base)&Page=\(number + 1)&" + URLEncodedForm.encode([("PageToken", $0)]) })
            ),
            ("key", .string(key)),
        ])
    }

    private static func count(_ text: String?, default value: Int, name: String) throws(VerifyError) -> Int {
        guard let text else { return value }
        guard text.utf8.count <= 18, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(text)
        else { throw VerifyError.invalid(name) }
        return number
    }
}
