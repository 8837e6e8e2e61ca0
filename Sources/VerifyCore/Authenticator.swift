import Crypto

/// Decides whether HTTP Basic credentials may use the API: the root account pair from the environment (a second
/// token is accepted during rotation), or an active API key (`SK…`) whose secret matches the stored SHA-256.
///
/// A key SID that cannot be stored is refused without a lookup, and one the store did not know is refused without
/// another for `unknownKeyLifetime`. Only misses are remembered: a revoked key is refused at once on every instance,
/// and a new one works on every instance at most `unknownKeyLifetime` after its creation. A remembered miss answers
/// sooner than a lookup, which tells only whether a SID exists: SIDs are 128 random bits and no secret.
public struct Authenticator: Sendable {
    public struct RootCredentials: Sendable {
        public var accountSid: AccountSid
        public var tokens: [String]

        public init(accountSid: AccountSid, tokens: [String]) {
            self.accountSid = accountSid
            self.tokens = tokens.filter { !$0.isEmpty }
        }
    }

    public enum Principal: Sendable, Equatable {
        case root
        case apiKey(APIKeySid)
    }

    /// How long a key SID the store did not know is refused without asking it again.
    public static let unknownKeyLifetime: Duration = .seconds(5)

    let root: RootCredentials
    let credentials: any CredentialStore
    let now: @Sendable () -> ContinuousClock.Instant
    private let unknownKeys = ExpiringSet<APIKeySid>(capacity: 10_000)
    /// The digests of `root.tokens`, made once: every request compares against them.
    private let rootTokenDigests: [[UInt8]]

    public init(
        root: RootCredentials, credentials: any CredentialStore,
        now: @escaping @Sendable () -> ContinuousClock.Instant
    ) {
        self.root = root
        self.credentials = credentials
        self.now = now
        self.rootTokenDigests = root.tokens.map(Self.digest)
    }

    /// The principal, or nil for anything that is not a valid pair. Comparisons are constant-time.
    public func authenticate(username: String, password: String) async throws -> Principal? {
        if username == root.accountSid.rawValue {
            let candidate = Self.digest(password)
            // Compare every token, so the time taken does not tell which one matched.
            var matched = false
            for token in rootTokenDigests where Self.constantTimeEqual(token, candidate) { matched = true }
            return matched ? .root : nil
        }
        // Keys are stored with lowercase hex (the table's CHECK), so no other spelling can name one.
        guard let sid = APIKeySid(username), sid.isLowercase else { return nil }
        // Remembered from before the lookup, not from its answer: a key created while the lookup ran is then refused
        // for less than `unknownKeyLifetime` after its creation, never longer.
        let asked = now()
        if unknownKeys.expiry(of: sid, at: asked) != nil { return nil }
        guard let stored = try await credentials.activeSecretHash(sid) else {
            unknownKeys.insert(sid, until: asked.advanced(by: Self.unknownKeyLifetime), at: now())
            return nil
        }
        return Self.constantTimeEqual(stored, Self.digest(password)) ? .apiKey(sid) : nil
    }

    /// What is stored for an API key secret. Secrets are 32 random characters, so a plain SHA-256 suffices: there
    /// is nothing to brute-force that a slow hash would protect.
    public static func digest(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }

    /// A new API key secret: 32 characters from the system CSPRNG (about 190 bits).
    public static func makeSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

extension Authenticator.Principal {
    /// The credential per-key limits count under: `root` or the key's SID.
    public var credential: String {
        switch self {
        case .root: "root"
        case .apiKey(let sid): sid.rawValue
        }
    }
}
