import Postgres
import TestSupport
import Testing
import VerifyCore

@testable import VerifyStore

/// Blocks of a credential's check counter, taken by one check and spent by the next (`CounterLeases`).
@Suite("Counter leases")
struct CounterLeasesTests {
    static let meter = AbuseMeter(rule: .apiKeyChecks, subject: "lease-test", units: 1, limit: 64, shards: 2)

    /// The units taken from a rule's counters, in PostgreSQL.
    static func taken(_ rule: String, on client: PostgresClient) async throws -> Int {
        try await client.query(
            "SELECT coalesce(sum(hits), 0)::integer AS n FROM abuse_counters WHERE rule = \(rule)")[0].decode("n")
    }

    @Test("a block is a sixteenth of a shard's share, at least one unit")
    func blockSize() {
        #expect(CounterLeases.block(for: Self.meter) == 2)
        #expect(
            CounterLeases.block(for: AbuseMeter(rule: .apiKeyChecks, subject: "s", units: 1, limit: 5, shards: 64)) == 1
        )
        #expect(
            CounterLeases.block(
                for: AbuseMeter(rule: .apiKeyChecks, subject: "s", units: 1, limit: 200_000, shards: 64)) == 195)
    }

    @Test("kept units are spent once each, and not after their hour")
    func spendAndExpiry() {
        let leases = CounterLeases()
        let now = ContinuousClock.now
        leases.keep(2, of: Self.meter, secondsLeft: 10, at: now)
        #expect(leases.spend(Self.meter, at: now))
        #expect(leases.spend(Self.meter, at: now))
        #expect(!leases.spend(Self.meter, at: now))
        leases.keep(5, of: Self.meter, secondsLeft: 10, at: now)
        #expect(!leases.spend(Self.meter, at: now.advanced(by: .seconds(9))))
    }

    @Test("a credential's check limit holds across two instances that each keep blocks of it")
    func limitAcrossInstances() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        // 64 checks an hour in 2 shards: blocks of 2 units, so each instance keeps one after taking a block.
        let abuse = AbuseSettings(apiKeyChecksPerHour: 64, shards: 2)
        try await StoreFixture.run(settings: Verifier.Settings(abuse: abuse)) { fixture in
            try await fixture.withConcurrentClient { other in
                let instances = [fixture.verifier, fixture.verifier(on: other)]
                let service = try await fixture.service()
                var compared = 0
                var refused = 0
                for index in 0..<80 {
                    do {
                        // No verification exists: a check that the counter let through answers 404.
                        _ = try await instances[index % 2].check(
                            service: service.sid, target: .phone(testPhone(3)), code: "123456")
                        Issue.record("check \(index) found a verification")
                    } catch let error as VerifyError where error.rule == RefusalRule(.apiKeyChecks) {
                        refused += 1
                    } catch let error as VerifyError {
                        #expect(error.reason == .notFound(.verificationCheck(service.sid)))
                        compared += 1
                    }
                }
                #expect(try await Self.taken("api_key_checks", on: fixture.client) == 64)
                // Each instance may end the run holding a unit it took: at most one per instance goes unspent.
                #expect((62...64).contains(compared), "\(compared) checks got through")
                #expect(refused == 80 - compared)
            }
        }
    }

    @Test("a credential's start limit holds across two instances that each keep blocks of it")
    func startLimitAcrossInstances() async throws {
        try await waitForRoomInTheHour(.seconds(120))
        let abuse = AbuseSettings(apiKeyStartsPerHour: 64, shards: 2)
        try await StoreFixture.run(settings: Verifier.Settings(abuse: abuse)) { fixture in
            try await fixture.withConcurrentClient { other in
                let instances = [fixture.verifier, fixture.verifier(on: other)]
                let service = try await fixture.service()
                var created = 0
                var refused = 0
                for index in 0..<80 {
                    do {
                        _ = try await fixture.start(service, testPhone(100 + index), using: instances[index % 2])
                        created += 1
                    } catch let error as VerifyError where error.rule == RefusalRule(.apiKey) {
                        refused += 1
                    }
                }
                #expect(try await Self.taken("api_key", on: fixture.client) == 64)
                #expect((62...64).contains(created), "\(created) starts got through")
                #expect(fixture.sender.messages.count == created)
                #expect(refused == 80 - created)
            }
        }
    }
}
