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
            let authenticator = Authenticator(root: Self.root, credentials: store)
            let principal = try await authenticator.authenticate(username: username, password: "secret")
            #expect(principal == nil)
            #expect(store.lookups == 0)
        }
    }
}
