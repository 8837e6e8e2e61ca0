import Logging
import ServiceLifecycle

/// A bounded pool of non-blocking libpq connections and the one thread that waits on their sockets. Work is lent a
/// connection through a closure that runs in the caller's task, on that thread (its preferred executor): each round
/// trip parks the task instead of blocking a thread, resumes it without a thread hand-off, and is bounded by
/// `PostgresConfiguration.roundTripTimeout`. Closures should be quick: CPU work in them delays every lease of the
/// pool (what verifyd's stores do, decoding and a keyed hash, takes microseconds).
///
/// Cancellation is honoured while a caller waits for a connection: it leaves the queue at once. Once the closure
/// runs, its round trips run to their end (each within its deadline), so a transaction is never cut between its
/// locked read and its writes; a connection that comes back healthy returns to the pool, whatever the caller
/// throws, `CancellationError` included.
///
/// As a `Service` it closes the pool at graceful shutdown, after the services started after it have stopped.
public final class PostgresClient: Sendable, Service {
    public let configuration: PostgresConfiguration
    private let loop: PollLoop
    let pool: ConnectionPool
    /// One connection for health probes, apart from the pool, so that a saturated pool never delays a probe.
    private let probePool: ConnectionPool
    private let logger: Logger

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let loop = PollLoop()
        let pool = ConnectionPool(settings: .init(configuration), loop: loop)
        var probeSettings = ConnectionPool.Settings(configuration)
        probeSettings.capacity = 1
        probeSettings.maxWaiters = 8
        let probePool = ConnectionPool(settings: probeSettings, loop: loop)
        loop.start { now in [pool.housekeeping(at: now), probePool.housekeeping(at: now)].compactMap { $0 }.min() }
        self.loop = loop
        self.pool = pool
        self.probePool = probePool
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// The pool's occupancy now and its queueing so far, for the metrics.
    public var poolStatistics: PoolStatistics { pool.statistics }

    /// Closes every connection once the lent ones come back; later calls fail with `poolClosed`.
    public func close() async {
        await pool.close()
        await probePool.close()
        await loop.stop()
    }

    /// Lends a connection to `body`. A connection is checked before it is lent and replaced when the server has
    /// dropped it; when the first round trip provably had no effect (nothing was sent, or the server ended the
    /// session before answering anything), `body` runs once more on a fresh connection.
    @discardableResult
    public func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await lease(from: pool, roundTripTimeout: configuration.roundTripTimeout, body)
    }

    /// Runs `body` in a transaction: `BEGIN` and the limits travel with its first statement, `COMMIT` with its last
    /// ones when it uses `pipeline(_:commit: true)`, or on its own when `body` returns; `ROLLBACK` follows when it
    /// throws. A connection never returns to the pool inside a transaction.
    @discardableResult
    public func withTransaction<Result>(
        limits: TransactionLimits? = nil,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let limits = limits ?? configuration.limits
        return try await withConnection { connection in
            try await connection.transaction(limits: limits) { try await body(connection) }
        }
    }

    /// Runs one statement on a lent connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs several statements in one round trip as one implicit transaction: all apply or none does.
    @discardableResult
    public func pipeline(_ queries: [PostgresQuery]) async throws -> [PostgresRows] {
        try await withConnection { try await $0.pipeline(queries) }
    }

    /// Lends the client's probe connection, which is kept apart from the pool; each round trip must answer within
    /// `timeout`.
    public func withProbeConnection<Result>(
        timeout: Duration, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await lease(from: probePool, roundTripTimeout: timeout, body)
    }

    // MARK: Leases

    /// Runs on the pool's poll thread (as the preferred task executor): every round trip of `body` resumes right
    /// there, without a thread hand-off.
    private func lease<Result>(
        from pool: ConnectionPool, roundTripTimeout: Duration?, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withTaskExecutorPreference(loop) {
            try await leaseOnLoop(from: pool, roundTripTimeout: roundTripTimeout, body)
        }
    }

    private func leaseOnLoop<Result>(
        from pool: ConnectionPool, roundTripTimeout: Duration?, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 0
        while true {
            attempt += 1
            let connection = try await checkOut(from: pool)
            if attempt == 1, Task.isCancelled {
                pool.release(connection)
                throw CancellationError()
            }
            connection.beginLease(roundTripTimeout: roundTripTimeout)
            do {
                let value = try await body(connection)
                checkIn(connection, to: pool, after: nil)
                return value
            } catch let error as PostgresError where error.withoutEffect && attempt == 1 {
                logger.info("postgres.connection.replaced", metadata: ["reason": "ended before anything ran: \(error)"])
                checkIn(connection, to: pool, after: error)
            } catch {
                checkIn(connection, to: pool, after: error)
                throw error
            }
        }
    }

    /// An idle connection that is still good, or a new one in the slot the pool granted.
    private func checkOut(from pool: ConnectionPool) async throws -> PostgresConnection {
        if case .connection(let idle) = try await pool.lease() {
            if idle.isUsable(at: .now) { return idle }
            logger.info("postgres.connection.replaced", metadata: ["reason": "ended while idle, or past its lifetime"])
            idle.close()
        }
        do {
            // Off the poll thread: libpq resolves host names inside its connect calls, and that may block.
            let connection = try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await PostgresConnection.connect(configuration: configuration, loop: loop)
            }
            // Either pool's connect shows the server answers again, so both stop backing off: a request that
            // follows a ready probe (`/readyz`) must not wait out the request pool's backoff from the outage.
            self.pool.connected()
            probePool.connected()
            return connection
        } catch {
            let failure = error as? PostgresError ?? PostgresError(.connectionFailed)
            logger.warning("postgres.connect.failed", metadata: ["error": "\(failure)"])
            pool.connectFailed(failure)
            throw failure
        }
    }

    /// Gives a connection back after a lease: kept when idle and healthy, otherwise closed; an error that ended
    /// every session of the server also closes every idle connection.
    private func checkIn(_ connection: PostgresConnection, to pool: ConnectionPool, after error: (any Error)?) {
        if let error = error as? PostgresError, error.breaksConnection {
            if !error.withoutEffect {
                logger.info("postgres.connection.replaced", metadata: ["reason": "\(error)"])
            }
            connection.close()
            pool.release(nil)
            if error.endsEverySession { pool.dropIdle() }
            return
        }
        if connection.isIdle {
            pool.release(connection)
        } else {
            connection.close()
            pool.release(nil)
        }
    }
}
