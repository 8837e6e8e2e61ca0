import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

@Suite("Failed authentications in PostgreSQL")
struct AuthenticationFailureStoreTests {
    static let window: Duration = .seconds(300)

    @Test("concurrent failures through two clients each get their own count, 1 to n")
    func concurrentCounts() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let other = fixture.database.makeClient(poolSize: 8)
            do {
                let stores = [
                    PostgresAuthenticationFailureStore(client: fixture.client),
                    PostgresAuthenticationFailureStore(client: other),
                ]
                let windows = try await withThrowingTaskGroup(of: FailureWindow.self) { group in
                    for index in 0..<40 {
                        let store = stores[index % 2]
                        group.addTask { try await store.recordFailure(address: "203.0.113.7", window: Self.window) }
                    }
                    return try await group.reduce(into: [FailureWindow]()) { $0.append($1) }
                }
                #expect(windows.map(\.failures).sorted() == Array(1...40))
                #expect(windows.allSatisfy { $0.remaining > .zero && $0.remaining <= Self.window })
                let other = try await stores[0].recordFailure(address: "2001:db8:1:2::/64", window: Self.window)
                #expect(other.failures == 1)
            } catch {
                await other.close()
                throw error
            }
            await other.close()
        }
    }

    @Test("a failure after the window ended starts a new one; the purge deletes only ended windows")
    func windows() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresAuthenticationFailureStore(client: fixture.client)
            for _ in 0..<3 { _ = try await store.recordFailure(address: "203.0.113.7", window: Self.window) }
            _ = try await store.recordFailure(address: "203.0.113.8", window: Self.window)
            try await fixture.client.query(
                """
                UPDATE auth_failures SET window_start = window_start - interval '299 seconds'
                WHERE address = '203.0.113.7'
                """)
            let late = try await store.recordFailure(address: "203.0.113.7", window: Self.window)
            #expect(late.failures == 4)
            #expect(late.remaining <= .seconds(1))
            #expect(try await store.purgeEnded(window: Self.window, limit: 100) == 0)

            try await fixture.client.query(
                "UPDATE auth_failures SET window_start = window_start - interval '1 second' WHERE address = '203.0.113.7'"
            )
            #expect(try await store.purgeEnded(window: Self.window, limit: 100) == 1)
            let remaining: [String] = try await fixture.client.query("SELECT address FROM auth_failures").map {
                try $0.decode("address")
            }
            #expect(remaining == ["203.0.113.8"])

            try await fixture.client.query(
                "UPDATE auth_failures SET window_start = window_start - interval '300 seconds'")
            let fresh = try await store.recordFailure(address: "203.0.113.8", window: Self.window)
            #expect(fresh.failures == 1)
            #expect(fresh.remaining > .seconds(299))
        }
    }
}
