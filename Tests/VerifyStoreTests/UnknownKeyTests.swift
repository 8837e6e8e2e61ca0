import Postgres
import Synchronization
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Key SIDs that cannot name a key are refused without asking PostgreSQL, counted at the port boundary over the
/// real store.
@Suite("Unknown API keys")
struct UnknownKeyTests {
    /// The real store, counting the lookups that reach it.
    final class CountingCredentialStore: CredentialStore {
        let base: any CredentialStore
        private let count = Mutex(0)

        init(_ base: any CredentialStore) { self.base = base }

        var lookups: Int { count.withLock { $0 } }

        func createAPIKey(_ sid: APIKeySid, name: String, secretHash: [UInt8]) async throws -> APIKey {
            try await base.createAPIKey(sid, name: name, secretHash: secretHash)
        }
        func apiKeys() async throws -> [APIKey] { try await base.apiKeys() }
        func revokeAPIKey(_ sid: APIKeySid) async throws -> Bool { try await base.revokeAPIKey(sid) }
        func activeSecretHash(_ sid: APIKeySid) async throws -> [UInt8]? {
            count.withLock { $0 += 1 }
            return try await base.activeSecretHash(sid)
        }
    }

    static let root = Authenticator.RootCredentials(accountSid: .random(), tokens: [String(repeating: "r", count: 32)])

    @Test(
        "a user name that cannot be a stored key SID costs no query",
        arguments: [
            "SKxyz", "SK" + String(repeating: "AB", count: 16), "SK" + String(repeating: "a", count: 31),
            "SK" + String(repeating: "a", count: 33), "sk" + String(repeating: "a", count: 32),
            "SK" + String(repeating: "a", count: 31) + "g", "", "admin",
        ])
    func malformed(username: String) async throws {
        try await StoreFixture.run { fixture in
            let store = CountingCredentialStore(fixture.credentials)
            let authenticator = Authenticator(root: Self.root, credentials: store, now: { .now })
            let principal = try await authenticator.authenticate(username: username, password: "secret")
            #expect(principal == nil)
            #expect(store.lookups == 0)
        }
    }

    @Test("an unknown key SID is looked up once per 5 seconds, and a revoked key is refused at once")
    func unknownOncePerLifetime() async throws {
        try await StoreFixture.run { fixture in
            let clock = TestClock()
            let store = CountingCredentialStore(fixture.credentials)
            let authenticator = Authenticator(root: Self.root, credentials: store, now: { clock.now })
            let unknown = APIKeySid.random().rawValue
            for _ in 0..<3 { _ = try await authenticator.authenticate(username: unknown, password: "secret") }
            #expect(store.lookups == 1)
            clock.advance(by: .milliseconds(4_999))
            _ = try await authenticator.authenticate(username: unknown, password: "secret")
            #expect(store.lookups == 1)
            clock.advance(by: .milliseconds(1))
            _ = try await authenticator.authenticate(username: unknown, password: "secret")
            #expect(store.lookups == 2)

            // Hits are not remembered: a key revoked elsewhere is refused on its next use.
            let secret = Authenticator.makeSecret()
            let sid = APIKeySid.random()
            _ = try await fixture.credentials.createAPIKey(sid, name: "k", secretHash: Authenticator.digest(secret))
            #expect(try await authenticator.authenticate(username: sid.rawValue, password: secret) == .apiKey(sid))
            #expect(try await fixture.credentials.revokeAPIKey(sid))
            #expect(try await authenticator.authenticate(username: sid.rawValue, password: secret) == nil)
        }
    }

    @Test("a key created on one instance works on another at most 5 seconds later, though that one just missed it")
    func newKeyOnAnotherInstance() async throws {
        try await StoreFixture.run { fixture in
            let other = fixture.database.makeClient(poolSize: 2)
            do {
                let clock = TestClock()
                let first = Authenticator(root: Self.root, credentials: fixture.credentials, now: { clock.now })
                let secondStore = CountingCredentialStore(PostgresCredentialStore(client: other))
                let second = Authenticator(root: Self.root, credentials: secondStore, now: { clock.now })
                let secret = Authenticator.makeSecret()
                let sid = APIKeySid.random()

                #expect(try await second.authenticate(username: sid.rawValue, password: secret) == nil)
                clock.advance(by: .seconds(1))
                _ = try await fixture.credentials.createAPIKey(
                    sid, name: "new", secretHash: Authenticator.digest(secret))
                #expect(try await first.authenticate(username: sid.rawValue, password: secret) == .apiKey(sid))
                // The second instance still remembers its miss from a second before the key existed…
                clock.advance(by: .milliseconds(3_999))
                #expect(try await second.authenticate(username: sid.rawValue, password: secret) == nil)
                #expect(secondStore.lookups == 1)
                // …and forgets it 5 s after it asked, which is less than 5 s after the key was created.
                clock.advance(by: .milliseconds(1))
                #expect(try await second.authenticate(username: sid.rawValue, password: secret) == .apiKey(sid))
                #expect(secondStore.lookups == 2)
            } catch {
                await other.close()
                throw error
            }
            await other.close()
        }
    }
}
