import TestSupport
import Testing

@testable import Postgres

/// Waiting for a connection: a bounded queue, and cancellation that leaves it or gives a healthy connection back.
@Suite("Pool queue and cancellation")
struct PoolQueueTests {
    @Test("past the maximum number of waiters a caller fails at once with poolBusy, as unavailable")
    func boundedWaiters() async throws {
        let settings: (inout PostgresConfiguration) -> Void = { $0.maxWaiters = 2 }
        try await withTestDatabase(poolSize: 1, poolTimeout: .seconds(60), adjust: settings) { _, client in
            let held = await HeldConnection.hold(client)
            let waiters = (0..<2).map { _ in Task { try await client.query("SELECT 1") } }
            #expect(await eventually { client.pool.waiterCount == 2 })
            let error = await #expect(throws: PostgresError.self) { try await client.query("SELECT 1") }
            #expect(error?.code == .poolBusy)
            #expect(error?.isUnavailable == true)
            #expect(error?.retryAfter != nil)
            #expect(client.pool.waiterCount == 2, "the refused caller was never queued; the others still wait")
            try await held.release()
            for waiter in waiters { _ = try await waiter.value }
        }
    }

    @Test("a task cancelled while it waits for a connection leaves the queue with CancellationError")
    func cancelledWaiterLeavesTheQueue() async throws {
        try await withTestDatabase(poolSize: 1, poolTimeout: .seconds(60)) { _, client in
            let held = await HeldConnection.hold(client)
            let waiter = Task { try await client.query("SELECT 1") }
            #expect(await eventually { client.pool.waiterCount == 1 })
            waiter.cancel()
            let result = await waiter.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(client.pool.waiterCount == 0)
            try await held.release()
            #expect(try await client.query("SELECT 2")[0].decode(0, as: Int.self) == 2)
        }
    }

    @Test("a lease whose task was cancelled before it began reports CancellationError and keeps the connection")
    func cancelledLeaseKeepsItsConnection() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            let pid = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            let start = AsyncGate()
            let lease = Task {
                await start.wait()
                return try await client.withConnection { _ in "ran" }
            }
            lease.cancel()
            start.open()
            let result = await lease.result
            #expect(throws: CancellationError.self) { try result.get() }
            let after = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            #expect(after == pid, "the connection went back to the pool instead of being closed")
        }
    }

    @Test("a transaction whose body throws CancellationError rolls back and gives its connection back")
    func cancelledTransactionKeepsItsConnection() async throws {
        try await withTestDatabase(poolSize: 1) { _, client in
            try await client.query("CREATE TABLE items (n int)")
            let pid = try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
            let ran = AsyncGate()
            let cancelled = AsyncGate()
            let lease = Task {
                try await client.withTransaction { connection in
                    try await connection.query("INSERT INTO items VALUES (1)")
                    ran.open()
                    await cancelled.wait()
                    try Task.checkCancellation()
                }
            }
            await ran.wait()
            lease.cancel()
            cancelled.open()
            let result = await lease.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(try await client.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self) == pid)
            #expect(try await client.query("SELECT count(*) FROM items")[0].decode(0, as: Int.self) == 0)
        }
    }
}
