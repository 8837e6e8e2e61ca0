/// The spellings of a webhook URL that Twilio may have signed.
///
/// Twilio's signer is inconsistent about default ports and about escaping in the query, so the official SDKs try
/// several spellings: the port removed and the default port added (twilio-python, twilio-node), and the query as
/// received, as a WHATWG URL parser re-escapes it (`'` becomes `%27`) and as node's legacy `querystring` module
/// re-encodes it (`%27` becomes `'`). Accepting these adds no forgery risk: every candidate still needs the key.
enum WebhookURL {
    /// Every distinct candidate for `url`, the URL as given first.
    static func signingCandidates(for url: String) -> [String] {
        var candidates: [String] = []
        for spelling in [url, whatwgQuery(url), legacyQuery(url)].compactMap({ $0 }) {
            for variant in portVariants(spelling) where !candidates.contains(variant) {
                candidates.append(variant)
            }
        }
        return candidates
    }

    /// The first value of the query parameter `name`, if the query decodes.
    static func queryValue(named name: String, in url: String) -> String? {
        guard let parts = Parts(url), let query = parts.query,
            let fields = try? URLEncodedForm.decode(String(query))
        else { return nil }
        return fields.first { $0.name == name }?.value
    }

    /// `url` without its port, and with its port (the scheme's default port when none is given).
    static func portVariants(_ url: String) -> [String] {
        guard let colonSlashSlash = url.firstRange(of: "://") else { return [url] }
        let scheme = url[..<colonSlashSlash.lowerBound]
        let authorityStart = colonSlashSlash.upperBound
        let authorityEnd = url[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let rest = url[authorityEnd...]

        var userInfo: Substring = ""
        var hostAndPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[...at]
            hostAndPort = authority[authority.index(after: at)...]
        }
        // An IPv6 literal contains colons of its own; the port can only follow the closing bracket.
        let hostEnd = hostAndPort.lastIndex(of: "]").map { hostAndPort.index(after: $0) } ?? hostAndPort.startIndex
        let colon = hostAndPort[hostEnd...].lastIndex(of: ":")
        let host = colon.map { hostAndPort[..<$0] } ?? hostAndPort
        let givenPort = colon.map { hostAndPort[hostAndPort.index(after: $0)...] }.flatMap { $0.isEmpty ? nil : $0 }

        let prefix = "\(scheme)://\(userInfo)\(host)"
        let withoutPort = prefix + rest
        let defaultPort: Substring? =
            switch scheme.lowercased() {
            case "https": "443"
            case "http": "80"
            default: nil
            }
        guard let port = givenPort ?? defaultPort else { return [withoutPort] }
        return [withoutPort, "\(prefix):\(port)\(rest)"]
    }

    /// The query re-escaped as a WHATWG URL parser does for http(s): space, `"`, `<`, `>`, `'`, controls and
    /// non-ASCII bytes become `%XX`. Nil when nothing changes.
    static func whatwgQuery(_ url: String) -> String? {
        guard let parts = Parts(url), let query = parts.query else { return nil }
        var output: [UInt8] = []
        for byte in query.utf8 {
            switch byte {
            case 0x00...0x20, UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "'"), 0x7F...:
                URLEncodedForm.appendPercentEncoded(byte, to: &output)
            default:
                output.append(byte)
            }
        }
        let escaped = String(decoding: output, as: UTF8.self)
        return escaped == query ? nil : parts.replacingQuery(with: escaped)
    }

    /// The query decoded and re-encoded like node's `querystring.stringify(querystring.parse(query))`: repeated
    /// names grouped at their first position, `encodeURIComponent` escaping (which keeps `!'()*`), space as `%20`.
    /// Nil when the query does not decode or nothing changes.
    static func legacyQuery(_ url: String) -> String? {
        guard let parts = Parts(url), let query = parts.query,
            let fields = try? URLEncodedForm.decode(String(query))
        else { return nil }
        var names: [String] = []
        var valuesByName: [String: [String]] = [:]
        for field in fields {
            if valuesByName[field.name] == nil {
                names.append(field.name)
            }
            valuesByName[field.name, default: []].append(field.value)
        }
        let encoded = names.flatMap { name in
            valuesByName[name, default: []].map { "\(componentEncoded(name))=\(componentEncoded($0))" }
        }.joined(separator: "&")
        return encoded == query ? nil : parts.replacingQuery(with: encoded)
    }

    private static func componentEncoded(_ string: String) -> String {
        var output: [UInt8] = []
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "!"), UInt8(ascii: "~"), UInt8(ascii: "*"), UInt8(ascii: "'"), UInt8(ascii: "("),
                UInt8(ascii: ")"):
                output.append(byte)
            default:
                URLEncodedForm.appendPercentEncoded(byte, to: &output)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A URL split around its query: everything before `?`, the query, and the fragment with its `#`.
    private struct Parts {
        let head: Substring
        let query: Substring?
        let fragment: Substring

        init?(_ url: String) {
            let fragmentStart = url.firstIndex(of: "#") ?? url.endIndex
            fragment = url[fragmentStart...]
            let beforeFragment = url[..<fragmentStart]
            if let questionMark = beforeFragment.firstIndex(of: "?") {
                head = beforeFragment[..<questionMark]
                query = beforeFragment[beforeFragment.index(after: questionMark)...]
            } else {
                head = beforeFragment
                query = nil
            }
        }

        func replacingQuery(with query: String) -> String {
            "\(head)?\(query)\(fragment)"
        }
    }
}
