/// The account `FakeTwilio` serves and the credentials it accepts, as Twilio would: the account SID with its
/// auth token, or any of the account's API keys (`SK…`) with its secret.
public struct FakeTwilioAccount: Sendable {
    /// An API key and its secret.
    public struct APIKey: Sendable, Hashable {
        public let sid: String
        public let secret: String

        public init(sid: String, secret: String) {
            self.sid = sid
            self.secret = secret
        }

        /// A key with a random `SK…` SID and secret.
        public static func random() -> APIKey {
            APIKey(sid: FakeTwilioSID.random("SK"), secret: FakeTwilioSID.random(""))
        }
    }

    public let accountSID: String
    public let authToken: String
    public let apiKeys: [APIKey]

    /// Random SID and token unless given.
    public init(
        accountSID: String = FakeTwilioSID.random("AC"),
        authToken: String = FakeTwilioSID.random(""),
        apiKeys: [APIKey] = []
    ) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKeys = apiKeys
    }

    func accepts(_ credentials: (username: String, password: String)?) -> Bool {
        guard let credentials else { return false }
        if credentials.username == accountSID {
            return credentials.password == authToken
        }
        return apiKeys.contains { $0.sid == credentials.username && $0.secret == credentials.password }
    }
}

/// Random Twilio-shaped identifiers.
public enum FakeTwilioSID {
    /// `prefix` followed by 32 lowercase hexadecimal digits, like every Twilio SID (`SM…`, `CA…`, `AC…`).
    public static func random(_ prefix: String) -> String {
        prefix + String((0..<32).map { _ in "0123456789abcdef".randomElement()! })
    }
}
