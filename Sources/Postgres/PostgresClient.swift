import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A bounded pool of libpq connections whose blocking calls run on threads of its own, never on an event loop or
/// the Swift concurrency pool. Work is lent a connection through a closure that runs on one of those threads, so an
/// operation of several statements costs one thread hop, not one per statement.
///
/// As a `Service` it closes the pool at graceful shutdown, after the services started after it have stopped.
public final class PostgresClient: Sendable, Service {
    public let configuration: PostgresConfiguration
    private let pool: ConnectionPool
    private let threads: NIOThreadPool
    private let logger: Logger

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        // One thread per connection: a lent connection never waits for a thread.
        self.threads = NIOThreadPool(numberOfThreads: configuration.poolSize)
        self.threads.start()
        self.pool = ConnectionPool(
            capacity: configuration.poolSize,
            timeout: configuration.poolTimeout,
            timers: MultiThreadedEventLoopGroup.singleton.any()
        )
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection once the lent ones come back; later calls fail with `poolClosed`.
    public func close() async {
        await pool.close()
        try? await threads.shutdownGracefully()
    }

    /// Lends a connection to `body`, which runs on a database thread. A connection is checked before it is lent and
    /// replaced when the server has dropped it; when the first round trip provably had no effect (nothing was sent,
    /// or the server ended the session before answering anything), `body` runs once more on a fresh connection.
    @discardableResult
    public func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let grant = try await pool.lease()
        let outcome: LeaseOutcome<Result>
        do {
            outcome = try await threads.runIfActive { [configuration, logger] in
                Self.run(body, grant: grant, configuration: configuration, logger: logger)
            }
        } catch {
            grant.connection?.close()
            pool.release(nil)
            throw PostgresError(.poolClosed)
        }
        pool.release(outcome.connection)
        return try outcome.result.get()
    }

    /// Runs `body` in a transaction: `BEGIN` and the limits travel with its first statement, `COMMIT` follows when it
    /// returns, `ROLLBACK` when it throws. A connection never returns to the pool inside a transaction.
    @discardableResult
    public func withTransaction<Result: Sendable>(
        limits: TransactionLimits? = nil,
        _ body: @escaping @Sendable (PostgresConnection) throws -> Result
    ) async throws -> Result {
        let limits = limits ?? configuration.limits
        return try await withConnection { connection in
            try connection.transaction(limits: limits) { try body(connection) }
        }
    }

    /// Runs one statement on a lent connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try $0.query(query) }
    }

    private struct LeaseOutcome<Value: Sendable>: Sendable {
        var result: Swift.Result<Value, any Error>
        /// The connection to give back, or nil when it was closed.
        var connection: PostgresConnection?
    }

    private static func run<Value: Sendable>(
        _ body: (PostgresConnection) throws -> Value,
        grant: ConnectionPool.Grant,
        configuration: PostgresConfiguration,
        logger: Logger
    ) -> LeaseOutcome<Value> {
        var connection = grant.connection
        if let stale = connection, !stale.isUsable() {
            logger.info("postgres.connection.replaced", metadata: ["reason": "dropped by the server while idle"])
            stale.close()
            connection = nil
        }
        var attempt = 0
        while true {
            attempt += 1
            let current: PostgresConnection
            do {
                current = try connection ?? PostgresConnection.connect(configuration: configuration)
            } catch {
                logger.warning("postgres.connect.failed", metadata: ["error": "\(error)"])
                return LeaseOutcome(result: .failure(error), connection: nil)
            }
            current.beginLease()
            do {
                let value = try body(current)
                return LeaseOutcome(result: .success(value), connection: keepIfIdle(current))
            } catch let error as PostgresError where error.withoutEffect && attempt == 1 {
                logger.info("postgres.connection.replaced", metadata: ["reason": "ended before anything ran: \(error)"])
                current.close()
                connection = nil
            } catch let error as PostgresError where error.breaksConnection {
                logger.info("postgres.connection.replaced", metadata: ["reason": "\(error)"])
                current.close()
                return LeaseOutcome(result: .failure(error), connection: nil)
            } catch {
                return LeaseOutcome(result: .failure(error), connection: keepIfIdle(current))
            }
        }
    }

    private static func keepIfIdle(_ connection: PostgresConnection) -> PostgresConnection? {
        if connection.isIdle { return connection }
        connection.close()
        return nil
    }
}
