import TestSupport
import Testing

@testable import Postgres

/// What the pool reports for the metrics: occupancy now, and the leases that queued.
@Suite("Pool statistics")
struct PoolStatisticsTests {
    @Test("a lease that queues is counted with its wait, and occupancy follows the connections lent")
    func queuedLeaseIsCounted() async throws {
        try await withTestDatabase(poolSize: 1, poolTimeout: .seconds(60)) { _, client in
            #expect(client.poolStatistics.waits == 0)
            let held = await HeldConnection.hold(client)
            #expect(client.poolStatistics.inUse == 1)
            let waiter = Task { try await client.query("SELECT 1") }
            #expect(await eventually { client.poolStatistics.waiting == 1 })
            try await Task.sleep(for: .milliseconds(50))
            try await held.release()
            _ = try await waiter.value
            let statistics = client.poolStatistics
            #expect(statistics.capacity == 1)
            #expect(statistics.waiting == 0)
            #expect(statistics.inUse == 0 && statistics.idle == 1)
            #expect(statistics.waits == 1)
            #expect(statistics.waited >= .milliseconds(50), "\(statistics.waited)")
        }
    }
}
