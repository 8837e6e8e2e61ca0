/// Where and how `TwilioClient` reaches Twilio's REST API.
///
/// The initializer validates everything at once and reports every problem together. `description` never shows
/// the auth token or API key secret.
public struct TwilioConfiguration: Sendable, CustomStringConvertible {
    /// The HTTP Basic credentials for REST calls; the account SID stays in the URL path either way.
    public enum Credentials: Sendable, CustomStringConvertible {
        /// The account SID as username and its auth token as password.
        case authToken(String)
        /// An API key (`SK…`) as username and its secret as password; Twilio's recommendation for production.
        case apiKey(sid: String, secret: String)

        public var description: String {
            switch self {
            case .authToken: "auth token (redacted)"
            case .apiKey(let sid, _): "API key \(sid) (secret redacted)"
            }
        }
    }

    /// Twilio's production REST endpoint.
    public static let defaultAPIBaseURL = "https://api.twilio.com"

    /// The `User-Agent` sent when the application does not pass its own `verifyd/<version>`.
    public static let defaultUserAgent = "verifyd/0.1.0"

    /// `AC` followed by 32 hexadecimal digits.
    public let accountSID: String
    /// The Basic-auth pair for REST calls.
    public let credentials: Credentials
    /// Scheme, host and optional port, without a trailing slash.
    public let apiBaseURL: String
    /// Limit for DNS, TCP and TLS set-up.
    public let connectTimeout: Duration
    /// Limit for the whole exchange, connection set-up included.
    public let totalTimeout: Duration
    /// Requests in flight at once; past it a request is refused at once as not sent. Twilio answers 429 (20429)
    /// when an account exceeds its REST concurrency, so the sum over all instances should stay within the account's.
    public let maxInFlight: Int
    /// Sent as `User-Agent`, e.g. `verifyd/1.2.0`.
    public let userAgent: String

    /// Validates and stores the configuration.
    public init(
        accountSID: String,
        credentials: Credentials,
        apiBaseURL: String = TwilioConfiguration.defaultAPIBaseURL,
        connectTimeout: Duration = .milliseconds(5000),
        totalTimeout: Duration = .milliseconds(10000),
        maxInFlight: Int = 100,
        userAgent: String = TwilioConfiguration.defaultUserAgent
    ) throws(TwilioConfigurationError) {
        var problems: [String] = []
        if !Self.isSID(accountSID, prefix: "AC") {
            problems.append("the account SID must be AC followed by 32 hexadecimal digits")
        }
        switch credentials {
        case .authToken(let token) where token.isEmpty:
            problems.append("the auth token is empty")
        case .apiKey(let sid, let secret):
            if !Self.isSID(sid, prefix: "SK") {
                problems.append("the API key SID must be SK followed by 32 hexadecimal digits")
            }
            if secret.isEmpty {
                problems.append("the API key secret is empty")
            }
        default:
            break
        }
        var base = apiBaseURL
        while base.hasSuffix("/") {
            base.removeLast()
        }
        if !(base.hasPrefix("https://") || base.hasPrefix("http://")) || base.contains("?") || base.contains("#") {
            problems.append("the API base URL must be an http:// or https:// URL without query or fragment")
        }
        if connectTimeout < .milliseconds(1) || totalTimeout < .milliseconds(1) {
            problems.append("timeouts must be at least one millisecond")
        }
        if maxInFlight < 1 {
            problems.append("the cap on requests in flight must be at least 1")
        }
        if userAgent.isEmpty || userAgent.contains(where: \.isNewline) {
            problems.append("the user agent must be one non-empty line")
        }
        guard problems.isEmpty else {
            throw TwilioConfigurationError(problems: problems)
        }
        self.accountSID = accountSID
        self.credentials = credentials
        self.apiBaseURL = base
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxInFlight = maxInFlight
        self.userAgent = userAgent
    }

    public var description: String {
        "TwilioConfiguration(account: \(accountSID), credentials: \(credentials), api: \(apiBaseURL), "
            + "connectTimeout: \(connectTimeout), totalTimeout: \(totalTimeout), maxInFlight: \(maxInFlight))"
    }

    static func isSID(_ value: String, prefix: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 34, value.hasPrefix(prefix) else { return false }
        return bytes.dropFirst(2).allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
    }
}

/// Every problem found in a `TwilioConfiguration`, none of which quotes a secret.
public struct TwilioConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One sentence per invalid setting.
    public let problems: [String]

    public var description: String {
        "invalid Twilio configuration: " + problems.joined(separator: "; ")
    }
}
