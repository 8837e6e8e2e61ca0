import Testing
import VerifyCore

@Suite("Authenticator")
struct AuthenticatorTests {
    /// A test double of the credential port: the active keys and their secret hashes, nothing else.
    struct KeyTable: CredentialStore {
        struct Unused: Error {}

        var active: [APIKeySid: [UInt8]]

        func createAPIKey(_ sid: APIKeySid, name: String, secretHash: [UInt8]) async throws -> APIKey { throw Unused() }
        func apiKeys() async throws -> [APIKey] { throw Unused() }
        func revokeAPIKey(_ sid: APIKeySid) async throws -> Bool { throw Unused() }
        func activeSecretHash(_ sid: APIKeySid) async throws -> [UInt8]? { active[sid] }
    }

    static let account = AccountSid("AC" + String(repeating: "1f", count: 16))!
    static let activeKey = APIKeySid("SK" + String(repeating: "2e", count: 16))!
    static let revokedKey = APIKeySid("SK" + String(repeating: "3d", count: 16))!
    static let primary = "primary-token-0123456789abcdef"
    static let secondary = "secondary-token-fedcba9876543210"
    static let keySecret = "q8JcZ2vN4rT6yW1aB3dF5gH7kL9mP0sX"

    static func authenticator(tokens: [String] = [primary, secondary]) -> Authenticator {
        Authenticator(
            root: Authenticator.RootCredentials(accountSid: account, tokens: tokens),
            credentials: KeyTable(active: [activeKey: Authenticator.digest(keySecret)]), now: { .now })
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var username: String
        var password: String
        var expected: Authenticator.Principal?
    }

    @Test(
        "who may use the API",
        arguments: [
            Row(testDescription: "root, primary token", username: account.rawValue, password: primary, expected: .root),
            Row(
                testDescription: "root, secondary token", username: account.rawValue, password: secondary,
                expected: .root),
            Row(testDescription: "root, wrong token", username: account.rawValue, password: "nope", expected: nil),
            Row(
                testDescription: "root, a token with one more character", username: account.rawValue,
                password: primary + "x", expected: nil),
            Row(testDescription: "root, empty token", username: account.rawValue, password: "", expected: nil),
            Row(
                testDescription: "root, the API key's secret", username: account.rawValue, password: keySecret,
                expected: nil),
            Row(
                testDescription: "another account with the primary token",
                username: "AC" + String(repeating: "00", count: 16), password: primary, expected: nil),
            Row(
                testDescription: "the account SID in another case", username: account.rawValue.uppercased(),
                password: primary, expected: nil),
            Row(testDescription: "an empty username", username: "", password: primary, expected: nil),
            Row(
                testDescription: "API key, right secret", username: activeKey.rawValue, password: keySecret,
                expected: .apiKey(activeKey)),
            Row(
                testDescription: "API key, wrong secret", username: activeKey.rawValue,
                password: "q8JcZ2vN4rT6yW1aB3dF5gH7kL9mP0sY", expected: nil),
            Row(testDescription: "API key, empty secret", username: activeKey.rawValue, password: "", expected: nil),
            Row(
                testDescription: "API key, the root token", username: activeKey.rawValue, password: primary,
                expected: nil),
            Row(
                testDescription: "revoked API key, right secret", username: revokedKey.rawValue, password: keySecret,
                expected: nil),
            Row(testDescription: "malformed API key SID", username: "SK123", password: keySecret, expected: nil),
        ])
    func authenticate(_ row: Row) async throws {
        let principal = try await Self.authenticator().authenticate(username: row.username, password: row.password)
        #expect(principal == row.expected)
    }

    @Test("a stored hash of the wrong length never matches, even where it agrees with the secret's digest")
    func malformedStoredHash() async throws {
        let digest = Authenticator.digest(Self.keySecret)
        for stored in [[], Array(digest.prefix(16)), digest + [0]] {
            let authenticator = Authenticator(
                root: Authenticator.RootCredentials(accountSid: Self.account, tokens: [Self.primary]),
                credentials: KeyTable(active: [Self.activeKey: stored]), now: { .now })
            let principal = try await authenticator.authenticate(
                username: Self.activeKey.rawValue, password: Self.keySecret)
            #expect(principal == nil, "stored hash of \(stored.count) bytes")
        }
    }

    @Test("empty root tokens are ignored, so an empty password never passes")
    func emptyTokens() async throws {
        let authenticator = Self.authenticator(tokens: ["", Self.primary])
        #expect(try await authenticator.authenticate(username: Self.account.rawValue, password: "") == nil)
        #expect(try await authenticator.authenticate(username: Self.account.rawValue, password: Self.primary) == .root)
        let none = Self.authenticator(tokens: [""])
        #expect(try await none.authenticate(username: Self.account.rawValue, password: "") == nil)
        #expect(Authenticator.RootCredentials(accountSid: Self.account, tokens: ["", "a", ""]).tokens == ["a"])
    }

    @Test("a new secret is 32 characters of letters and digits, and never the same twice")
    func makeSecret() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var seen: Set<String> = []
        var used: Set<Character> = []
        for _ in 0..<200 {
            let secret = Authenticator.makeSecret()
            #expect(secret.count == 32)
            #expect(secret.utf8.count == 32)
            #expect(secret.allSatisfy { alphabet.contains($0) })
            seen.insert(secret)
            used.formUnion(secret)
        }
        #expect(seen.count == 200)
        // 6 400 draws from 62 characters use every one of them (a miss has probability below 1e-40).
        #expect(used == alphabet)
    }

    @Test(
        "digest is SHA-256",
        arguments: [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func digest(_ input: String, _ hex: String) {
        let rendered = Authenticator.digest(input).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        #expect(rendered == hex)
    }
}
