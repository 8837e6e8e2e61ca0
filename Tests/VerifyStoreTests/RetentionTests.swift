import Foundation
import Logging
import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import App
@testable import VerifyStore

/// The retention service against a real database, with its clock moved forward instead of rows backdated.
@Suite("Retention")
struct RetentionTests {
    static let day: TimeInterval = 86_400

    /// A retention service whose clock reads the database's and adds `days`.
    static func retention(_ fixture: StoreFixture, after days: Double, batchSize: Int = 500) -> RetentionService {
        let store = PostgresRetentionStore(client: fixture.client)
        return RetentionService(
            store: store,
            settings: .init(retention: .seconds(30 * 86_400), interval: .seconds(60), batchSize: batchSize),
            logger: Logger(label: "test"), now: { try await store.now().addingTimeInterval(days * day) })
    }

    static func count(_ fixture: StoreFixture, _ table: String) async throws -> Int {
        try await fixture.client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(0)
    }

    @Test("finished verifications and their attempts go after the retention period, in batches; pending ones stay")
    func verificationsExpire() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            for index in 0..<5 {
                let started = try await fixture.start(service, testPhone(index))
                _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            }
            try await fixture.start(service, testPhone(9))
            #expect(try await Self.retention(fixture, after: 29).pass()["verifications"] == 0)
            #expect(try await Self.count(fixture, "verifications") == 6)
            #expect(try await Self.retention(fixture, after: 31, batchSize: 2).pass()["verifications"] == 5)
            #expect(try await Self.count(fixture, "verifications") == 1)
            #expect(try await Self.count(fixture, "delivery_attempts") == 1)
        }
    }

    @Test("failure counts go once their 24 hours have passed")
    func failureCountsDecay() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            try await fixture.start(service, testPhone(1))
            _ = try await fixture.check(service, testPhone(1), fixture.wrongCode(for: testPhone(1)))
            #expect(try await Self.count(fixture, "phone_check_failures") == 1)
            #expect(try await Self.retention(fixture, after: 0.5).pass()["failure_counts"] == 0)
            #expect(try await Self.retention(fixture, after: 1.5).pass()["failure_counts"] == 1)
            #expect(try await Self.count(fixture, "phone_check_failures") == 0)
        }
    }

    @Test("the sweep by key finds decayed counts in every bucket window, a batch at a time, and keeps recent ones")
    func failureCountsSweepEveryBucket() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let store = PostgresRetentionStore(client: fixture.client)
            let retention = RetentionService(
                store: store, settings: .init(retention: .seconds(30 * 86_400), interval: .seconds(60), batchSize: 2),
                logger: Logger(label: "test"), now: { try await store.now().addingTimeInterval(1.5 * Self.day) })
            func insert(_ buckets: [Int], failedIn days: Int) async throws {
                for bucket in buckets {
                    try await fixture.client.query(
                        """
                        INSERT INTO phone_check_failures (bucket, service_sid, phone, consecutive_failures,
                            last_failure_at)
                        VALUES (\(bucket), \(service.sid.rawValue), \(testPhone(bucket).e164), 1,
                            now() + \(days) * interval '1 day')
                        """)
                }
            }
            try await insert([0, 1023, 1024, 40_000, 65_535], failedIn: 0)
            try await insert([50_000], failedIn: 1)
            #expect(try await retention.pass()["failure_counts"] == 5)
            #expect(try await Self.count(fixture, "phone_check_failures") == 1)
            // The second pass starts where the first stopped and comes round to the windows before it.
            try await insert([1, 30_000, 65_000], failedIn: 0)
            #expect(try await retention.pass()["failure_counts"] == 3)
            let left = try await fixture.client.query("SELECT bucket FROM phone_check_failures")
                .map { try $0.decode(0, as: Int.self) }
            #expect(left == [50_000])
        }
    }

    @Test("a phone row goes when nothing is left; blocks, opt-outs, verifications and STOP or START receipts keep it")
    func idlePhones() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let (idle, blocked, optedOut, started, receipt) = (
                testPhone(1), testPhone(2), testPhone(3), testPhone(4), testPhone(5)
            )
            try await fixture.phones.block(idle, reason: "test")
            #expect(try await fixture.phones.unblock(idle))
            try await fixture.phones.block(blocked, reason: "test")
            try await fixture.phones.setOptedOut(optedOut, true)
            try await fixture.phones.setOptedOut(started, true)
            try await fixture.phones.setOptedOut(started, false)
            try await fixture.start(service, started)
            let message = "SM" + String(repeating: "a", count: 32)
            #expect(try await fixture.phones.recordOptOutMessage(receipt, optedOut: false, messageSid: message))
            #expect(try await Self.count(fixture, "phones") == 5)
            #expect(try await Self.retention(fixture, after: 0.5).pass()["phones"] == 0)
            #expect(try await Self.retention(fixture, after: 2).pass()["phones"] == 1)
            let left = try await fixture.client.query("SELECT phone FROM phones ORDER BY phone")
                .map { try $0.decode(0, as: String.self) }
            #expect(left == [blocked, optedOut, started, receipt].map(\.e164).sorted())
        }
    }

    @Test("while another instance holds a kind's turn, a batch of that kind deletes nothing")
    func oneInstancePerBatch() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service()
            let started = try await fixture.start(service, testPhone(1))
            _ = try await fixture.verifier.update(service: service.sid, sid: started.sid, status: .canceled)
            let store = PostgresRetentionStore(client: fixture.client)
            let cutoff = try await store.now().addingTimeInterval(31 * Self.day)
            try await fixture.client.withTransaction { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(\(PostgresRetentionStore.Turn.verifications.key))")
                #expect(try await store.deleteVerifications(createdBefore: cutoff, limit: 10) == 0)
            }
            #expect(try await store.deleteVerifications(createdBefore: cutoff, limit: 10) == 1)
        }
    }
}
