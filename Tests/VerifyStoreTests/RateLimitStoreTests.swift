import Postgres
import TestSupport
import Testing
import VerifyCore
import VerifyStore

/// Rate limits and buckets in PostgreSQL: Twilio's caps and uniqueness rules, held under concurrency.
@Suite("Rate limit storage")
struct RateLimitStoreTests {
    @Test("20 concurrent creates through two clients make exactly the 10 rate limits a service may have")
    func capHoldsUnderConcurrency() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service()
            let otherClient = fixture.makeConcurrentClient()
            let stores = [PostgresRateLimitStore(client: fixture.client), PostgresRateLimitStore(client: otherClient)]
            let outcomes = await withTaskGroup(of: VerifyError.Reason?.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await stores[index % 2].createRateLimit(
                                service: service.sid, uniqueName: "limit_\(index)", description: nil)
                            return nil
                        } catch let error as VerifyError {
                            return error.reason
                        } catch {
                            Issue.record("unexpected error: \(error)")
                            return .deliveryUnavailable
                        }
                    }
                }
                return await group.reduce(into: [VerifyError.Reason?]()) { $0.append($1) }
            }
            await otherClient.close()
            #expect(outcomes.filter { $0 == nil }.count == RateLimit.maximumPerService)
            #expect(outcomes.filter { $0 == .tooManyRateLimits }.count == 20 - RateLimit.maximumPerService)
            let rows: Int = try await fixture.scalar("SELECT count(*)::integer FROM rate_limits")
            #expect(rows == RateLimit.maximumPerService)
        }
    }

    @Test("concurrent creates of one unique name make one rate limit; the others are 60208")
    func uniqueNameUnderConcurrency() async throws {
        try await StoreFixture.runConcurrent { fixture in
            let service = try await fixture.service()
            let store = PostgresRateLimitStore(client: fixture.client)
            let outcomes = await withTaskGroup(of: VerifyError.Reason?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await store.createRateLimit(
                                service: service.sid, uniqueName: "same", description: nil)
                            return nil
                        } catch {
                            return (error as? VerifyError)?.reason ?? .deliveryUnavailable
                        }
                    }
                }
                return await group.reduce(into: [VerifyError.Reason?]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.filter { $0 == .duplicateUniqueName }.count == 7)
        }
    }

    @Test("a rate limit has at most 5 buckets, one per interval, and an update cannot take another's interval")
    func bucketRules() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let service = try await fixture.service()
            let limit = try await store.createRateLimit(service: service.sid, uniqueName: "ip", description: "IPs")
            var buckets: [RateLimitBucket] = []
            for interval in [60, 600, 3600, 7200, 86_400] {
                buckets.append(
                    try await store.createBucket(service: service.sid, rateLimit: limit.sid, max: 5, interval: interval)
                )
            }
            await #expect(throws: VerifyError(.tooManyBuckets)) {
                try await store.createBucket(service: service.sid, rateLimit: limit.sid, max: 5, interval: 30)
            }
            try await #require(store.deleteBucket(buckets[4].sid, rateLimit: limit.sid, service: service.sid))
            await #expect(throws: VerifyError(.duplicateBucketInterval)) {
                try await store.createBucket(service: service.sid, rateLimit: limit.sid, max: 9, interval: 60)
            }
            await #expect(throws: VerifyError(.duplicateBucketInterval)) {
                try await store.updateBucket(
                    buckets[1].sid, rateLimit: limit.sid, service: service.sid, max: nil, interval: 60)
            }
            let updated = try await store.updateBucket(
                buckets[1].sid, rateLimit: limit.sid, service: service.sid, max: 2, interval: nil)
            #expect(updated?.max == 2)
            #expect(updated?.interval == 600)
            let missing = RateLimitSid.random()
            await #expect(throws: VerifyError(.notFound(.rateLimit(service.sid, missing)))) {
                try await store.createBucket(service: service.sid, rateLimit: missing, max: 1, interval: 1)
            }
            #expect(
                try await store.buckets(rateLimit: missing, service: service.sid, after: nil, offset: 0, limit: 9)
                    == nil)
        }
    }

    @Test("rate limits of another service are not found through this one")
    func scopedByService() async throws {
        try await StoreFixture.run { fixture in
            let store = PostgresRateLimitStore(client: fixture.client)
            let first = try await fixture.service()
            let second = try await fixture.service()
            let limit = try await store.createRateLimit(service: first.sid, uniqueName: "ip", description: nil)
            #expect(try await store.rateLimit(limit.sid, service: second.sid) == nil)
            #expect(try await store.updateRateLimit(limit.sid, service: second.sid, description: "x") == nil)
            #expect(try await store.deleteRateLimit(limit.sid, service: second.sid) == false)
            #expect(try await store.rateLimits(service: second.sid, after: nil, offset: 0, limit: 9)?.isEmpty == true)
            #expect(try await store.rateLimits(service: .random(), after: nil, offset: 0, limit: 9) == nil)
            // The same unique name is free in another service.
            _ = try await store.createRateLimit(service: second.sid, uniqueName: "ip", description: nil)
            let missing = ServiceSid.random()
            await #expect(throws: VerifyError(.notFound(.service(missing)))) {
                try await store.createRateLimit(service: missing, uniqueName: "ip", description: nil)
            }
        }
    }
}
