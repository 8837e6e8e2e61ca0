import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import VerifyStore

/// `verifyd_take` (migration 0011), the sharded hourly counter every start takes from, on its own.
@Suite("Abuse counting")
struct AbuseCountingTests {
    static func meter(limit: Int, shards: Int) -> AbuseMeter {
        AbuseMeter(rule: .apiKey, subject: "counting-test", units: 1, limit: limit, shards: shards)
    }

    static func take(_ meter: AbuseMeter, first: Int? = nil, on connection: PostgresConnection) async throws
        -> AbuseTally.Meter
    {
        try AbuseCounting.meter(meter, row: try await connection.query(AbuseCounting.take(meter, first: first))[0])
    }

    @Test("the shards together take exactly the limit, whatever it leaves per shard", arguments: [(5, 3), (2, 16)])
    func exactLimit(limit: Int, shards: Int) async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run { fixture in
            let meter = Self.meter(limit: limit, shards: shards)
            var taken: [Bool] = []
            for _ in 0..<(limit + 2) {
                taken.append(try await fixture.client.withConnection { try await Self.take(meter, on: $0).took })
            }
            #expect(taken == Array(repeating: true, count: limit) + [false, false])
            let last = try await fixture.client.withConnection { try await Self.take(meter, on: $0) }
            #expect(last.total == limit)
            #expect(!last.contended)
            #expect((1...3600).contains(last.secondsUntilWindowEnds))
        }
    }

    /// The last unit sits in a shard another transaction holds: the start must neither wait for it while holding a
    /// shard (which deadlocked, 40P01) nor be refused while the holder may still roll back.
    @Test("room held by another transaction answers contended; once the holder commits, refused")
    func contended() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run { fixture in
            // Two shards of one unit each; the first take makes them and fills shard 0.
            let meter = Self.meter(limit: 2, shards: 2)
            #expect(try await fixture.client.withConnection { try await Self.take(meter, first: 0, on: $0).took })
            try await fixture.withConcurrentClient { other in
                try await fixture.client.withTransaction { holder in
                    #expect(try await Self.take(meter, first: 1, on: holder).took)
                    // Shard 0 is full, so this does not wait for it, and shard 1 is held.
                    let meanwhile = try await other.withConnection { try await Self.take(meter, first: 0, on: $0) }
                    #expect(!meanwhile.took)
                    #expect(meanwhile.contended)
                }
                let after = try await other.withConnection { try await Self.take(meter, first: 0, on: $0) }
                #expect(!after.took)
                #expect(!after.contended)
                #expect(after.total == 2)
            }
        }
    }

    @Test("a holder that rolls back leaves its unit to the next start")
    func rollback() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run { fixture in
            let meter = Self.meter(limit: 1, shards: 2)
            struct Abandon: Error {}
            await #expect(throws: Abandon.self) {
                try await fixture.client.withTransaction { holder in
                    #expect(try await Self.take(meter, on: holder).took)
                    throw Abandon()
                }
            }
            let next = try await fixture.client.withConnection { try await Self.take(meter, on: $0) }
            #expect(next.took)
            #expect(next.total == 0)
        }
    }

    @Test("after the shard count is lowered within the hour, the rows past it take nothing")
    func loweredShards() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run { fixture in
            // The hour's rows are made with 4 shards, then the setting drops to 2.
            let before = Self.meter(limit: 400, shards: 4)
            #expect(try await fixture.client.withConnection { try await Self.take(before, first: 3, on: $0).took })
            let lowered = Self.meter(limit: 2, shards: 2)
            var taken: [Bool] = []
            for first in [0, 1, 0] {
                let tally = try await fixture.client.withConnection { connection in
                    try await Self.take(lowered, first: first, on: connection)
                }
                taken.append(tally.took)
            }
            #expect(taken == [true, true, false])
        }
    }

    /// Migration 0012: a prefix's first starts of the hour (the rule's minimum) are counted in one row, one after the
    /// other; those after them in shards of their own, so a start does not wait for another's commit. It waited on
    /// main, where every start of a prefix counted in the same row.
    @Test("past the prefix rule's minimum, starts of one prefix count without waiting for each other")
    func prefixShards() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run { fixture in
            let settings = AbuseSettings(prefix: PrefixRule(minimumStarts: 2), shards: 4)
            @Sendable func count(_ last: Int, shard: Int, on connection: PostgresConnection) async throws -> Int {
                let phone = try #require(PhoneNumber(e164: "+12015550" + String(100 + last)))
                let statement = AbuseCounting.statements(
                    meters: [], prefix: "+12015550", settings: settings, phone: phone, prefixShard: shard)
                return try await connection.query(statement[0])[0].decode("starts")
            }
            var before: [Int] = []
            for last in 1...2 {
                before.append(try await fixture.client.withConnection { try await count(last, shard: 1, on: $0) })
            }
            #expect(before == [0, 1])
            let other = fixture.database.makeClient(
                poolSize: 1, poolTimeout: .seconds(30),
                limits: TransactionLimits(statementTimeout: .seconds(20), lockTimeout: .seconds(2)))
            try await closing(other) { other in
                try await fixture.client.withTransaction { holder in
                    #expect(try await count(3, shard: 1, on: holder) == 2)
                    // The holder has not committed: the other start neither waits for it nor sees it.
                    let meanwhile = try await other.withTransaction { try await count(4, shard: 2, on: $0) }
                    #expect(meanwhile == 2)
                }
                let after = try await other.withConnection { try await count(5, shard: 2, on: $0) }
                #expect(after == 4)
            }
        }
    }

    /// Every start of a prefix sums the prefix's rows. With a shard picked at random per start, a busy prefix soon
    /// had a row in every shard (64 by default) for each start to read; with the session's shard it has one per
    /// database session that counted for it.
    @Test("past the prefix rule's minimum, a prefix's starts count in one row per database session")
    func prefixRowPerSession() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        try await StoreFixture.run(poolSize: 2) { fixture in
            let settings = AbuseSettings(prefix: PrefixRule(minimumStarts: 2), shards: 64)
            var sessions: Set<Int> = []
            for last in 0..<40 {
                let phone = try #require(PhoneNumber(e164: "+12015550" + String(100 + last)))
                let statement = AbuseCounting.statements(
                    meters: [], prefix: "+12015550", settings: settings, phone: phone)[0]
                let session = try await fixture.client.withTransaction { connection in
                    let starts: Int = try await connection.query(statement)[0].decode("starts")
                    #expect(starts == last)
                    return try await connection.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
                }
                sessions.insert(session)
            }
            let shards = try await fixture.client.query(
                """
                SELECT shard::integer FROM abuse_counters WHERE rule = 'prefix' AND subject = '+12015550' AND shard > 0
                ORDER BY shard
                """
            ).map { try $0.decode(0, as: Int.self) }
            #expect(Set(shards) == Set(sessions.map { 1 + $0 % 63 }), "sessions \(sessions), shards \(shards)")
            #expect(shards.count <= 2)
        }
    }

    @Test("a check's approval counts for the number's prefix in the check's own statement, a wrong code's does not")
    func approvalCounted() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        let settings = Verifier.Settings(abuse: AbuseSettings(prefix: PrefixRule(), shards: 4))
        try await StoreFixture.run(settings: settings) { fixture in
            let phone = testPhone(2)
            let prefix = try #require(settings.abuse.prefix.prefix(of: phone))
            @Sendable func approvals() async throws -> Int {
                try await fixture.client.query(
                    """
                    SELECT coalesce(sum(hits), 0)::integer AS n FROM abuse_counters
                    WHERE rule = 'prefix_approved' AND subject = \(prefix)
                    """
                )[0].decode("n")
            }
            let service = try await fixture.service()
            let started = try await fixture.start(service, phone)
            let code = try #require(fixture.lastCode(to: phone))
            _ = try await fixture.verifier.check(
                service: service.sid, target: .sid(started.sid), code: fixture.wrongCode(for: phone))
            #expect(try await approvals() == 0)
            let right = try await fixture.verifier.check(service: service.sid, target: .phone(phone), code: code)
            #expect(right.status == .approved)
            #expect(try await approvals() == 1)
        }
    }
}
