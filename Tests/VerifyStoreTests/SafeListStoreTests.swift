import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

@Suite("Safe List storage")
struct SafeListStoreTests {
    @Test("a number is added once, found, and removed; its row and SID carry its bucket")
    func lifecycle() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresSafeListStore(client: fixture.client)
            let phone = testPhone(77)
            #expect(try await store.contains(phone) == false)
            let entry = try await store.add(phone)
            #expect(entry.phone == phone)
            #expect(entry.sid.bucket == phone.bucket)
            let bucket: Int = try await fixture.scalar("SELECT bucket FROM safe_list_numbers")
            #expect(bucket == phone.bucket)
            await #expect(throws: VerifyError(.alreadySafeListed)) { try await store.add(phone) }
            #expect(try await store.entry(phone) == entry)
            #expect(try await store.contains(phone))
            #expect(try await store.contains(testPhone(78)) == false)
            #expect(try await store.remove(phone))
            #expect(try await store.remove(phone) == false)
            #expect(try await store.contains(phone) == false)
        }
    }
}
