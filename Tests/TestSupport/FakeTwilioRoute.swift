/// Where a request goes, by method and path, with the account SID the path names.
enum FakeTwilioRoute: Sendable {
    case create(FakeTwilioEndpoint, accountSID: Substring)
    case methodNotAllowed(accountSID: Substring)
    case notFound(path: String)

    init(method: String, target: String) {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        // ["", "2010-04-01", "Accounts", "{AccountSid}", "Messages.json"]
        guard segments.count >= 5, segments[0].isEmpty, segments[1] == "2010-04-01", segments[2] == "Accounts" else {
            self = .notFound(path: String(path))
            return
        }
        let account = segments[3]
        switch (method, Array(segments.dropFirst(4))) {
        case ("POST", ["Messages.json"]):
            self = .create(.messages, accountSID: account)
        case ("POST", ["Calls.json"]):
            self = .create(.calls, accountSID: account)
        case (_, ["Messages.json"]), (_, ["Calls.json"]):
            self = .methodNotAllowed(accountSID: account)
        default:
            self = .notFound(path: String(path))
        }
    }

    /// The account SID in the path, if the path has one.
    var accountSID: Substring? {
        switch self {
        case .create(_, let account), .methodNotAllowed(let account): account
        case .notFound: nil
        }
    }
}
