import Hummingbird
import VerifyCore

/// Twilio's list paging: `PageSize` (1–1000, default 50), `Page` (the page number, an offset), and `PageToken`, which
/// names the last item of the previous page so that a page continues after it even when items were added or
/// removed meanwhile (keyset paging). `next_page_url` carries both.
struct ListPage<Kind: SidKind> {
    static var defaultSize: Int { 50 }
    static var maximumSize: Int { 1000 }

    let size: Int
    let number: Int
    let token: String?
    let cursor: PageCursor<Kind>?

    init(_ request: Request) throws {
        let query = try RequestParameters.query(request)
        size = try Self.number(try query["PageSize"], default: Self.defaultSize, name: "PageSize")
        number = try Self.number(try query["Page"], default: 0, name: "Page")
        guard (1...Self.maximumSize).contains(size) else { throw VerifyError.invalid("PageSize") }
        // `Page` times `PageSize` is an offset: bounded, so that no page number can overflow it.
        guard number <= Int(Int32.max) / size else { throw VerifyError.invalid("Page") }
        token = try query["PageToken"]
        cursor = try token.map(Self.cursor)
    }

    var offset: Int { number * size }
    /// One item more than a page shows, so that a next page is known to exist.
    var limit: Int { size + 1 }

    /// The list resource: `key` holds the page's items, `meta` Twilio's paging links for `path` (below `/v2`).
    func response<Item>(
        _ items: [Item], key: String, path: String, publicURL: String, render: (Item) -> JSONValue,
        position: (Item) -> PageCursor<Kind>
    ) -> Response {
        let shown = Array(items.prefix(size))
        let base = "\(publicURL)/v2\(path)?PageSize=\(size)"
        let next: String? =
            items.count > size
            ? shown.last.map { "\(base)&Page=\(number + 1)&PageToken=\(Self.token(for: position($0)))" } : nil
        let meta: JSONValue = .object([
            ("page", .int(number)),
            ("page_size", .int(size)),
            ("first_page_url", .string("\(base)&Page=0")),
            // Pages are offsets as well as keyset tokens, so the previous page is the offset one before.
            ("previous_page_url", .string(number > 0 ? "\(base)&Page=\(number - 1)" : nil)),
            ("url", .string("\(base)&Page=\(number)" + (token.map { "&PageToken=\($0)" } ?? ""))),
            ("next_page_url", .string(next)),
            ("key", .string(key)),
        ])
        return JSONValue.object([(key, .array(shown.map(render))), ("meta", meta)]).response()
    }

    private static func number(_ text: String?, default value: Int, name: String) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), number >= 0 else { throw VerifyError.invalid(name) }
        return number
    }

    /// Page tokens name the last item shown: `PA` + its creation time in microseconds + `_` + its SID.
    static func token(for cursor: PageCursor<Kind>) -> String {
        "PA\(cursor.createdAtMicroseconds)_\(cursor.sid)"
    }

    static func cursor(_ token: String) throws -> PageCursor<Kind> {
        let parts = token.dropFirst(2).split(separator: "_", maxSplits: 1)
        guard token.hasPrefix("PA"), parts.count == 2, let micros = Int64(parts[0]), let sid = Sid<Kind>(parts[1])
        else {
            throw VerifyError.invalid("PageToken")
        }
        return PageCursor(createdAtMicroseconds: micros, sid: sid)
    }
}
