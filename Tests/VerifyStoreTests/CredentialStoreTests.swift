import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

@Suite("API keys")
struct CredentialStoreTests {
    static let root = Authenticator.RootCredentials(accountSid: .random(), tokens: ["root-token"])

    @Test("a created key stores only the hash of its secret, and is listed")
    func create() async throws {
        try await StoreFixture.run { fixture in
            let secret = Authenticator.makeSecret()
            let sid = APIKeySid.random()
            let key = try await fixture.credentials.createAPIKey(
                sid, name: "backend", secretHash: Authenticator.digest(secret))
            #expect(key.sid == sid)
            #expect(key.name == "backend")
            #expect(key.revokedAt == nil)
            #expect(try await fixture.credentials.activeSecretHash(sid) == Authenticator.digest(secret))
            #expect(try await fixture.credentials.apiKeys() == [key])
            let leaked: Int = try await fixture.scalar(
                """
                SELECT count(*) FROM api_keys WHERE secret_sha256::text LIKE '%' || \(secret) || '%'
                    OR position(convert_to(\(secret), 'UTF8') IN secret_sha256) > 0
                """)
            #expect(leaked == 0)
        }
    }

    @Test("revoking a key works once and removes its active hash")
    func revoke() async throws {
        try await StoreFixture.run { fixture in
            let sid = APIKeySid.random()
            _ = try await fixture.credentials.createAPIKey(sid, name: "backend", secretHash: Authenticator.digest("s"))
            #expect(try await fixture.credentials.revokeAPIKey(sid))
            #expect(try await fixture.credentials.revokeAPIKey(sid) == false)
            #expect(try await fixture.credentials.revokeAPIKey(.random()) == false)
            #expect(try await fixture.credentials.activeSecretHash(sid) == nil)
            #expect(try await fixture.credentials.apiKeys().first?.revokedAt != nil)
        }
    }

    @Test("the authenticator accepts a key's secret until the key is revoked")
    func authenticator() async throws {
        try await StoreFixture.run { fixture in
            let authenticator = Authenticator(root: Self.root, credentials: fixture.credentials, now: { .now })
            let secret = Authenticator.makeSecret()
            let sid = APIKeySid.random()
            _ = try await fixture.credentials.createAPIKey(
                sid, name: "backend", secretHash: Authenticator.digest(secret))
            #expect(try await authenticator.authenticate(username: sid.rawValue, password: secret) == .apiKey(sid))
            #expect(try await authenticator.authenticate(username: sid.rawValue, password: secret + "x") == nil)
            #expect(
                try await authenticator.authenticate(username: APIKeySid.random().rawValue, password: secret) == nil)
            #expect(
                try await authenticator.authenticate(username: Self.root.accountSid.rawValue, password: "root-token")
                    == .root)
            #expect(
                try await authenticator.authenticate(username: Self.root.accountSid.rawValue, password: secret) == nil)
            _ = try await fixture.credentials.revokeAPIKey(sid)
            #expect(try await authenticator.authenticate(username: sid.rawValue, password: secret) == nil)
        }
    }
}
