import Foundation
import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

@Suite("Service store")
struct ServiceStoreTests {
    @Test("a created service reads back with every setting, and an update changes only what it sets")
    func createFetchUpdate() async throws {
        try await StoreFixture.run { fixture in
            var settings = ServiceSettings(friendlyName: "Acme Login")
            settings.codeLength = 8
            settings.doNotShareWarningEnabled = true
            settings.customCodeEnabled = true
            settings.dtmfInputRequired = true
            settings.codeValiditySeconds = 300
            settings.maxCheckAttempts = 7
            settings.maxSendAttempts = 3
            let created = try await fixture.services.create(settings)
            #expect(created.settings == settings)
            #expect(created.sid.rawValue.wholeMatch(of: /VA[0-9a-f]{32}/) != nil)
            let fetched = try await fixture.services.service(created.sid)
            #expect(fetched == created)
            let updated = try #require(try await fixture.services.update(created.sid) { $0.codeLength = 4 })
            settings.codeLength = 4
            #expect(updated.settings == settings)
            #expect(updated.updatedAt >= created.updatedAt)
            #expect(try await fixture.services.service(.random()) == nil)
            #expect(try await fixture.services.update(.random()) { $0.codeLength = 5 } == nil)
        }
    }

    @Test("concurrent updates of different fields both survive")
    func concurrentUpdates() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service()
            let changes: [@Sendable (inout ServiceSettings) -> Void] = [
                { $0.friendlyName = "Renamed" }, { $0.codeLength = 9 }, { $0.maxSendAttempts = 2 },
                { $0.customCodeEnabled = true }, { $0.codeValiditySeconds = 900 }, { $0.maxCheckAttempts = 3 },
            ]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for change in changes {
                    group.addTask { _ = try await fixture.services.update(service.sid, change) }
                }
                try await group.waitForAll()
            }
            let settings = try #require(try await fixture.services.service(service.sid)).settings
            #expect(settings.friendlyName == "Renamed")
            #expect(settings.codeLength == 9)
            #expect(settings.maxSendAttempts == 2)
            #expect(settings.customCodeEnabled)
            #expect(settings.codeValiditySeconds == 900)
            #expect(settings.maxCheckAttempts == 3)
        }
    }

    @Test("an update whose change throws leaves the service as it was")
    func failedUpdate() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            await #expect(throws: VerifyError.self) {
                try await fixture.services.update(service.sid) { settings in
                    settings.friendlyName = "Changed"
                    throw VerifyError.invalid("CodeLength")
                }
            }
            #expect(try await fixture.services.service(service.sid)?.settings.friendlyName == "Store Test")
        }
    }

    @Test("a deleted service is absent at once; retention purges its rows in batches, then the service row")
    func deleteThenPurge() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let kept = try await fixture.service()
            for index in 11..<16 { try await fixture.start(service, testPhone(index)) }
            try await fixture.start(kept, testPhone(11))
            #expect(try await fixture.services.delete(service.sid))
            #expect(try await fixture.services.service(service.sid) == nil)
            #expect(try await fixture.services.list(after: nil, offset: 0, limit: 50).map(\.sid) == [kept.sid])
            #expect(try await fixture.services.update(service.sid) { $0.codeLength = 5 } == nil)
            #expect(try await fixture.services.delete(service.sid) == false)
            await #expect(throws: VerifyError.self) { try await fixture.start(service, testPhone(20)) }
            // Marked only: nothing was cascaded by the delete itself.
            #expect(try await fixture.scalar("SELECT count(*) FROM verifications", as: Int.self) == 6)

            let retention = PostgresRetentionStore(client: fixture.client)
            var batches: [Int] = []
            while case let removed = try await retention.purgeDeletedServices(limit: 2), removed > 0 {
                batches.append(removed)
            }
            #expect(batches == [2, 2, 1, 1])
            #expect(try await fixture.scalar("SELECT count(*) FROM verifications", as: Int.self) == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM delivery_attempts", as: Int.self) == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM services", as: Int.self) == 1)
        }
    }

    /// Follows `list(after:offset:limit:)` page by page, as the API's page tokens do.
    static func allPages(_ store: PostgresServiceStore, limit: Int) async throws -> [[ServiceSid]] {
        var pages: [[ServiceSid]] = []
        var cursor: ServicePageCursor?
        while true {
            let page = try await store.list(after: cursor, offset: 0, limit: limit)
            if page.isEmpty { break }
            pages.append(page.map(\.sid))
            let last = page[page.count - 1]
            cursor = ServicePageCursor(
                createdAtMicroseconds: Int64((last.createdAt.timeIntervalSince1970 * 1_000_000).rounded()),
                sid: last.sid)
        }
        return pages
    }

    @Test("keyset paging returns every service exactly once in creation order", arguments: [false, true])
    func keysetPaging(sameInstant: Bool) async throws {
        try await StoreFixture.run { fixture in
            var created: [VerifyService] = []
            for _ in 0..<7 { created.append(try await fixture.service()) }
            var expected = created.map(\.sid)
            if sameInstant {
                // Services made in one transaction share now(): ties fall back to the SID.
                try await fixture.client.query("UPDATE services SET created_at = date_trunc('second', now())")
                expected.sort()
            }
            let pages = try await Self.allPages(fixture.services, limit: 3)
            #expect(pages.map(\.count) == [3, 3, 1])
            #expect(pages.flatMap { $0 } == expected)
            let second = try await fixture.services.list(after: nil, offset: 3, limit: 3)
            #expect(second.map(\.sid) == pages[1])
        }
    }

    @Test("the default service is created once however many callers and clients race for it")
    func defaultServiceOnce() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let otherClient = fixture.makeConcurrentClient()
            let other = PostgresServiceStore(client: otherClient)
            let sids = try await withThrowingTaskGroup(of: ServiceSid.self) { group in
                for index in 0..<20 {
                    let store = index.isMultiple(of: 2) ? fixture.services : other
                    group.addTask { try await store.defaultService(named: "verifyd").sid }
                }
                return try await group.reduce(into: Set<ServiceSid>()) { $0.insert($1) }
            }
            await otherClient.close()
            #expect(sids.count == 1)
            let rows = try await fixture.client.query(
                "SELECT count(*), min(sid), min(friendly_name) FROM services WHERE default_marker IS NOT NULL")
            #expect(try rows[0].decode(0, as: Int.self) == 1)
            #expect(try rows[0].decode(1, as: String.self) == sids.first?.rawValue)
            #expect(try rows[0].decode(2, as: String.self) == "verifyd")
            let listed = try await fixture.services.list(after: nil, offset: 0, limit: 10)
            #expect(listed.map(\.sid) == Array(sids))
        }
    }
}
