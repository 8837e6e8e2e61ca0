import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// The Service Rate Limits' buckets as a start counts them (`RateLimitCounting`, in the start's transaction): one
/// start against every bucket of the named rate limits, all or nothing, exact across instances.
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

    /// Starts a verification to `testPhone(phone)` counted under the `RateLimits` `values`: nil when it was allowed,
    /// its `Retry-After` when a full bucket refused it; any other refusal throws.
    static func start(
        _ fixture: StoreFixture, _ service: ServiceSid, phone: Int, _ values: [String: String],
        using verifier: Verifier? = nil
    ) async throws -> Int? {
        let keys: RateLimitKeys = try #require(RateLimitKeys(values))
        let request = StartRequest(service: service, to: testPhone(phone), channel: .sms, rateLimits: keys)
        do {
            _ = try await (verifier ?? fixture.verifier).start(request)
            return nil
        } catch let error as VerifyError where error.reason == .rateLimitExceeded {
            let retryAfter: Int = try #require(error.retryAfter)
            return retryAfter
        }
    }

    /// How many windows the counters of `bucket` span: a count that straddled a window's end spans two.
    static func windows(_ fixture: StoreFixture, _ bucket: BucketSid) async throws -> Int {
        try await fixture.scalar(
            "SELECT count(DISTINCT window_start)::integer FROM rate_limit_bucket_hits WHERE bucket_sid = \(bucket.rawValue)"
        )
    }

    static func hits(_ fixture: StoreFixture, _ bucket: BucketSid) async throws -> Int {
        try await fixture.scalar(
            "SELECT coalesce(sum(hits), 0)::integer FROM rate_limit_bucket_hits WHERE bucket_sid = \(bucket.rawValue)")
    }

    @Test("40 concurrent starts through two clients against a bucket of 7 allow exactly 7")
    func exactAcrossInstances() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let otherClient = fixture.makeConcurrentClient()
            let verifiers = [fixture.verifier, fixture.verifier(on: otherClient)]
            // A day's window: a run that straddles midnight UTC counts in two windows, and then runs again.
            var runs: [(retryAfters: [Int?], service: VerifyService, bucket: BucketSid)] = []
            for attempt in 1...2 {
                let name = "ip_\(attempt)"
                let (service, _, buckets) = try await Self.limit(fixture, name, buckets: [(max: 7, interval: 86_400)])
                let retryAfters = try await withThrowingTaskGroup(of: Int?.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            try await Self.start(
                                fixture, service.sid, phone: index, [name: "203.0.113.7"], using: verifiers[index % 2])
                        }
                    }
                    return try await group.reduce(into: [Int?]()) { $0.append($1) }
                }
                runs.append((retryAfters, service, buckets[0].sid))
                if try await Self.windows(fixture, buckets[0].sid) == 1 { break }
            }
            await otherClient.close()
            let (retryAfters, service, bucket) = try #require(runs.last)
            #expect(try await Self.windows(fixture, bucket) == 1, "both runs straddled a window's end")
            #expect(retryAfters.filter { $0 == nil }.count == 7)
            #expect(retryAfters.compactMap { $0 }.filter { (1...86_400).contains($0) }.count == 33)
            #expect(try await Self.hits(fixture, bucket) == 7)
            let started: Int = try await fixture.scalar(
                "SELECT count(*)::integer FROM verifications WHERE service_sid = \(service.sid.rawValue)")
            #expect(started == 7)
        }
    }

    @Test("a start refused by one bucket is counted by none, and changes nothing")
    func allOrNothing() async throws {
        try await StoreFixture.run { fixture in
            let (service, _, tight) = try await Self.limit(fixture, "user", buckets: [(max: 2, interval: 86_400)])
            let (_, _, loose) = try await Self.limit(
                fixture, "session", buckets: [(max: 50, interval: 86_400), (max: 40, interval: 3_600)],
                service: service)
            let values = ["user": "user-123", "session": "s-9"]
            #expect(try await Self.start(fixture, service.sid, phone: 1, values) == nil)
            #expect(try await Self.start(fixture, service.sid, phone: 2, values) == nil)
            let before = try await TableSnapshot.take(fixture.client)
            let retryAfter = try await Self.start(fixture, service.sid, phone: 3, values)
            #expect(retryAfter.map { (1...86_400).contains($0) } == true, "the third start was allowed")
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
            #expect(fixture.sender.codes(to: testPhone(3)).isEmpty)
            #expect(try await Self.hits(fixture, tight[0].sid) == 2)
            for bucket in loose {
                #expect(try await Self.hits(fixture, bucket.sid) == 2)
            }
            // Another user is counted on its own.
            let other = ["user": "user-456", "session": "s-9"]
            #expect(try await Self.start(fixture, service.sid, phone: 4, other) == nil)
        }
    }

    @Test("a start that names an unknown rate limit, or a missing service, is refused and counted nowhere")
    func unknownName() async throws {
        try await StoreFixture.run { fixture in
            let (service, _, _) = try await Self.limit(fixture, "user", buckets: [(max: 5, interval: 60)])
            let before = try await TableSnapshot.take(fixture.client)
            for names in [["user": "u", "not_there": "x"], ["not_there": "x"]] {
                await #expect(throws: VerifyError.invalid("RateLimits"), "\(names.keys.sorted())") {
                    try await Self.start(fixture, service.sid, phone: 1, names)
                }
            }
            let missing = ServiceSid.random()
            await #expect(throws: VerifyError(.notFound(.service(missing)))) {
                try await Self.start(fixture, missing, phone: 1, ["user": "u"])
            }
            #expect(try await TableSnapshot.take(fixture.client).changes(since: before).isEmpty)
            #expect(fixture.sender.messages.isEmpty)
            #expect(try await Self.start(fixture, service.sid, phone: 1, ["user": "u"]) == nil)
        }
    }
    /// The count is part of the start's transaction: a start a later rule refuses rolls back with its count.
    @Test("a start refused after the buckets counted it, here to a blocked number, is counted in none")
    func refusedLater() async throws {
        try await StoreFixture.run { fixture in
            let (service, _, buckets) = try await Self.limit(fixture, buckets: [(max: 5, interval: 3_600)])
            try await fixture.phones.block(testPhone(1), reason: "test")
            await #expect(throws: VerifyError(.phoneBlocked)) {
                try await Self.start(fixture, service.sid, phone: 1, ["end_user_ip_address": "x"])
            }
            #expect(try await Self.hits(fixture, buckets[0].sid) == 0)
        }
    }

    @Test("a rate limit without buckets limits nothing")
    func noBuckets() async throws {
        try await StoreFixture.run { fixture in
            let (service, _, _) = try await Self.limit(fixture, buckets: [])
            for phone in 0..<3 {
                #expect(try await Self.start(fixture, service.sid, phone: phone, ["end_user_ip_address": "x"]) == nil)
            }
            let rows: Int = try await fixture.scalar("SELECT count(*)::integer FROM rate_limit_bucket_hits")
            #expect(rows == 0)
        }
    }

    @Test("counters hold a keyed digest of the value, never the value or its plain hash")
    func valuesAreDigested() async throws {
        try await StoreFixture.run { fixture in
            let (service, _, _) = try await Self.limit(fixture, buckets: [(max: 5, interval: 60)])
            let value = "198.51.100.23"
            #expect(try await Self.start(fixture, service.sid, phone: 1, ["end_user_ip_address": value]) == nil)
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
            #expect(try await Self.start(fixture, service.sid, phone: 1, ["end_user_ip_address": "x"]) == nil)
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
