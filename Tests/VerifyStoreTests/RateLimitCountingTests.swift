import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// `PostgresRateLimitStore.count`: one start against every bucket of the named rate limits, all or nothing, exact
/// across instances.
@Suite("Rate limit counting")
struct RateLimitCountingTests {
    /// A service with rate limit `name` and one bucket per (max, interval).
    static func limit(
        _ fixture: StoreFixture, _ name: String = "end_user_ip_address", buckets: [(max: Int, interval: Int)],
        service: VerifyService? = nil
    ) async throws -> (service: VerifyService, rateLimit: RateLimit, buckets: [RateLimitBucket]) {
        let store = PostgresRateLimitStore(client: fixture.client)
        let service = if let service { service } else { try await fixture.service() }
        let rateLimit = try await store.createRateLimit(service: service.sid, uniqueName: name, description: nil)
        var made: [RateLimitBucket] = []
        for bucket in buckets {
            made.append(
                try await store.createBucket(
                    service: service.sid, rateLimit: rateLimit.sid, max: bucket.max, interval: bucket.interval))
        }
        return (service, rateLimit, made)
    }

    static func keys(_ fixture: StoreFixture, _ values: [String: String]) throws -> [MeteredKey] {
        try #require(RateLimitKeys(values)).metered(by: fixture.keyring)
    }

    /// How many windows the counters of `bucket` span: a count that straddled a window's end spans two.
    static func windows(_ fixture: StoreFixture, _ bucket: BucketSid) async throws -> Int {
        try await fixture.scalar(
            "SELECT count(DISTINCT window_start)::integer FROM rate_limit_bucket_hits WHERE bucket_sid = \(bucket.rawValue)"
        )
    }

    @Test("40 concurrent starts through two clients against a bucket of 7 allow exactly 7")
    func exactAcrossInstances() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let otherClient = fixture.makeConcurrentClient()
            let stores = [PostgresRateLimitStore(client: fixture.client), PostgresRateLimitStore(client: otherClient)]
            // A day's window: a run that straddles midnight UTC counts in two windows, and then runs again.
            var runs: [(verdicts: [RateLimitVerdict], bucket: BucketSid)] = []
            for attempt in 1...2 {
                let name = "ip_\(attempt)"
                let (service, _, buckets) = try await Self.limit(fixture, name, buckets: [(max: 7, interval: 86_400)])
                let keys = try Self.keys(fixture, [name: "203.0.113.7"])
                let verdicts = try await withThrowingTaskGroup(of: RateLimitVerdict.self) { group in
                    for index in 0..<40 {
                        group.addTask { try await stores[index % 2].count(keys, service: service.sid) }
                    }
                    return try await group.reduce(into: [RateLimitVerdict]()) { $0.append($1) }
                }
                runs.append((verdicts, buckets[0].sid))
                if try await Self.windows(fixture, buckets[0].sid) == 1 { break }
            }
            await otherClient.close()
            let (verdicts, bucket) = try #require(runs.last)
            #expect(try await Self.windows(fixture, bucket) == 1, "both runs straddled a window's end")
            #expect(verdicts.filter { $0 == .allowed }.count == 7)
            let limited = verdicts.filter { if case .limited(bucket, _) = $0 { true } else { false } }
            #expect(limited.count == 33)
            let hits: Int = try await fixture.scalar(
                "SELECT hits FROM rate_limit_bucket_hits WHERE bucket_sid = \(bucket.rawValue)")
            #expect(hits == 7)
        }
    }

    @Test("a start refused by one bucket is counted by none, and changes nothing")
    func allOrNothing() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let (service, _, tight) = try await Self.limit(fixture, "user", buckets: [(max: 2, interval: 86_400)])
            let (_, _, loose) = try await Self.limit(
                fixture, "session", buckets: [(max: 50, interval: 86_400), (max: 40, interval: 3_600)],
                service: service)
            let keys = try Self.keys(fixture, ["user": "user-123", "session": "s-9"])
            #expect(try await store.count(keys, service: service.sid) == .allowed)
            #expect(try await store.count(keys, service: service.sid) == .allowed)
            let before = try await TableSnapshot.take(fixture.client)
            let verdict = try await store.count(keys, service: service.sid)
            guard case .limited(let bucket, let retryAfter) = verdict else {
                Issue.record("the third start was allowed")
                return
            }
            #expect(bucket == tight[0].sid)
            #expect((1...86_400).contains(retryAfter))
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
            for bucket in loose {
                let hits: Int = try await fixture.scalar(
                    "SELECT sum(hits)::integer FROM rate_limit_bucket_hits WHERE bucket_sid = \(bucket.sid.rawValue)")
                #expect(hits == 2)
            }
            // Another user is counted on its own.
            let other = try Self.keys(fixture, ["user": "user-456", "session": "s-9"])
            #expect(try await store.count(other, service: service.sid) == .allowed)
        }
    }

    @Test("a start that names an unknown rate limit, or a missing service, is refused before anything is counted")
    func unknownName() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let (service, _, _) = try await Self.limit(fixture, "user", buckets: [(max: 5, interval: 60)])
            let before = try await TableSnapshot.take(fixture.client)
            for names in [["user": "u", "not_there": "x"], ["not_there": "x"]] {
                await #expect(throws: VerifyError.invalid("RateLimits"), "\(names.keys.sorted())") {
                    try await store.count(try Self.keys(fixture, names), service: service.sid)
                }
            }
            let missing = ServiceSid.random()
            await #expect(throws: VerifyError(.notFound(.service(missing)))) {
                try await store.count(try Self.keys(fixture, ["user": "u"]), service: missing)
            }
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
            #expect(try await store.count(try Self.keys(fixture, ["user": "u"]), service: service.sid) == .allowed)
        }
    }

    @Test("a rate limit without buckets limits nothing")
    func noBuckets() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let (service, _, _) = try await Self.limit(fixture, buckets: [])
            for _ in 0..<3 {
                #expect(
                    try await store.count(try Self.keys(fixture, ["end_user_ip_address": "x"]), service: service.sid)
                        == .allowed)
            }
            let rows: Int = try await fixture.scalar("SELECT count(*)::integer FROM rate_limit_bucket_hits")
            #expect(rows == 0)
        }
    }

    @Test("counters hold a keyed digest of the value, never the value or its plain hash")
    func valuesAreDigested() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let (service, _, _) = try await Self.limit(fixture, buckets: [(max: 5, interval: 60)])
            let value = "198.51.100.23"
            _ = try await store.count(try Self.keys(fixture, ["end_user_ip_address": value]), service: service.sid)
            let stored: [UInt8] = try await fixture.scalar("SELECT value_digest FROM rate_limit_bucket_hits")
            #expect(stored == fixture.keyring.rateLimitDigest(of: value))
            let other = try CodeKeyring(current: StoreFixture.randomKey())
            #expect(stored != other.rateLimitDigest(of: value))
            let plain: [UInt8] = try await fixture.scalar("SELECT sha256(\(value)::bytea)")
            #expect(stored != plain)
        }
    }

    @Test("windows that ended are swept; a deleted service's rate limits, buckets and counters are purged")
    func cleanup() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let (service, _, _) = try await Self.limit(
                fixture, buckets: [(max: 5, interval: 60), (max: 9, interval: 600)])
            _ = try await store.count(try Self.keys(fixture, ["end_user_ip_address": "x"]), service: service.sid)
            try await fixture.client.query(
                "UPDATE rate_limit_bucket_hits SET window_end = now() - interval '1 second' WHERE hits = 1 AND window_end - window_start = interval '60 seconds'"
            )
            #expect(try await store.deleteExpiredCounters(limit: 10) == 1)
            #expect(try await store.deleteExpiredCounters(limit: 10) == 0)
            #expect(try await fixture.services.delete(service.sid))
            let retention = PostgresRetentionStore(client: fixture.client)
            while try await retention.purgeDeletedServices(limit: 100) > 0 {}
            for table in ["rate_limits", "rate_limit_buckets", "rate_limit_bucket_hits"] {
                let rows: Int = try await fixture.scalar(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::integer FROM \(table)"))
                #expect(rows == 0, "\(table)")
            }
        }
    }
}
