import CLibPQ
import Glibc

/// One libpq connection in non-blocking pipeline mode. It owns the `PGconn *`; the pool lends it to one task at a
/// time, and that task does every libpq call itself, parking on the pool's `PollLoop` while the socket has nothing
/// to read or no room to write.
public final class PostgresConnection: @unchecked Sendable {
    // Sendable is sound because exactly one task holds a connection at any time and only that task touches the
    // `PGconn` and the state below: the pool hands it over under its lock (a lease, or taking it back), and while
    // the task is parked the poll thread only watches the socket's number and resumes the task, never calling
    // libpq. The task may continue on another thread after a wait; the continuation orders that hand-over. libpq
    // supports this: it is thread-safe (PQisthreadsafe() == 1) for a connection used by one thread at a time.
    var handle: OpaquePointer?
    let loop: PollLoop
    let limits: TransactionLimits
    /// `limits.settingsQuery`, built once: it travels with every implicit transaction.
    private let settingsQuery: PostgresQuery
    var transaction = TransactionState.none
    /// Round trips started since the pool lent this connection; a failure on the first one may be retried.
    private(set) var roundTripsThisLease = 0
    /// The deadline of each round trip of the current lease; nil means none (migrations may run long).
    var roundTripTimeout: Duration?
    /// Named statements this connection has prepared, or nil when prepared statements are off.
    var statements: PreparedStatements?
    /// After this instant the pool closes the connection instead of lending it again.
    let expiresAt: ContinuousClock.Instant
    /// When the connection last went back to the pool; read and written by the pool under its lock.
    var idleSince: ContinuousClock.Instant

    enum TransactionState {
        case none
        /// `BEGIN` and the limits are sent together with the first statement of the transaction.
        case pendingBegin(TransactionLimits)
        case open
        /// `COMMIT` travelled with the last statements; nothing more may run in this transaction.
        case committed
    }

    init(handle: OpaquePointer, loop: PollLoop, configuration: PostgresConfiguration) {
        self.handle = handle
        self.loop = loop
        self.limits = configuration.limits
        self.settingsQuery = configuration.limits.settingsQuery
        self.roundTripTimeout = configuration.roundTripTimeout
        self.statements = configuration.preparedStatements ? PreparedStatements() : nil
        let now = ContinuousClock.now
        self.expiresAt = now + configuration.maxLifetime * Double.random(in: 0.9...1.0)
        self.idleSince = now
    }

    deinit {
        assert(handle == nil, "PostgresConnection must be closed before it is released")
        if let handle { PQfinish(handle) }
    }

    func close() {
        guard let handle else { return }
        let socket = PQsocket(handle)
        if socket >= 0 { loop.forget(socket) }
        PQfinish(handle)
        self.handle = nil
    }

    /// Cheap check before lending: no round trip, only a non-blocking look at the socket. An idle connection
    /// receives nothing unless the server is ending it (`pg_terminate_backend`, shutdown, failover), so anything
    /// readable means it must be replaced; so must a connection past its lifetime.
    func isUsable(at now: ContinuousClock.Instant) -> Bool {
        guard isIdle, now < expiresAt, let handle else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// True when the connection is open and idle, the only state in which the pool takes it back.
    var isIdle: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
            && PQpipelineStatus(handle) == PQ_PIPELINE_OFF
    }

    /// Fault injection for tests: breaks the socket under libpq, as a dead network path would.
    func breakSocketForTesting() {
        if let handle { shutdown(PQsocket(handle), Int32(SHUT_RDWR)) }
    }

    func beginLease(roundTripTimeout: Duration?) {
        roundTripsThisLease = 0
        transaction = .none
        self.roundTripTimeout = roundTripTimeout
    }

    func countRoundTrip() -> Bool {
        roundTripsThisLease += 1
        return roundTripsThisLease == 1
    }

    // MARK: Statements

    /// Runs one statement and returns its rows. Outside a transaction it runs in an implicit transaction together
    /// with the configured limits, all in one round trip.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await pipeline([query])[0]
    }

    /// Runs several statements in one round trip (libpq pipeline mode) and returns each one's rows.
    ///
    /// Outside an explicit transaction they form one implicit transaction: all apply or none does, and `commit`
    /// changes nothing. Inside `withTransaction`, `commit: true` sends `COMMIT` in the same round trip, after the
    /// statements: the transaction ends here, and the closure must run nothing more in it.
    @discardableResult
    public func pipeline(_ queries: [PostgresQuery], commit: Bool = false) async throws -> [PostgresRows] {
        switch transaction {
        case .none:
            return Array(try await roundTrip([settingsQuery] + queries, carriesCommit: false).dropFirst())
        case .committed:
            throw PostgresError(.invalidQuery, context: "the transaction has already committed")
        case .pendingBegin(let transactionLimits):
            // Open from here on even if this round trip fails, so that the failure path sends ROLLBACK.
            transaction = .open
            let settings = transactionLimits == limits ? settingsQuery : transactionLimits.settingsQuery
            let rows = try await roundTrip(
                ["BEGIN", settings] + queries + (commit ? ["COMMIT"] : []), carriesCommit: commit)
            if commit { transaction = .committed }
            return Array(rows.dropFirst(2).prefix(queries.count))
        case .open:
            if commit { try requireHealthyTransaction() }
            let rows = try await roundTrip(queries + (commit ? ["COMMIT"] : []), carriesCommit: commit)
            if commit { transaction = .committed }
            return Array(rows.prefix(queries.count))
        }
    }

    /// Runs SQL text as is, possibly several statements, through the simple query protocol. Only for migration
    /// files and other SQL that comes from the binary itself, never with values from a request.
    public func unsafeExecute(rawSQL sql: String) async throws {
        try await simpleRoundTrip(sql)
    }

    // MARK: Transactions

    /// Runs `body` inside `BEGIN … COMMIT`; any error rolls back. The limits ride along with the first statement,
    /// and `COMMIT` with the last ones when the body asks for it (`pipeline(_:commit:)`).
    func transaction<Result>(limits: TransactionLimits, _ body: () async throws -> Result) async throws -> Result {
        precondition(!isInTransaction, "transactions do not nest")
        transaction = .pendingBegin(limits)
        let result: Result
        do {
            result = try await body()
        } catch {
            await rollback()
            throw error
        }
        guard case .open = transaction else {
            transaction = .none
            return result
        }
        do {
            try requireHealthyTransaction()
        } catch {
            await rollback()
            throw error
        }
        defer { transaction = .none }
        _ = try await roundTrip(["COMMIT"], carriesCommit: true)
        return result
    }

    private var isInTransaction: Bool {
        if case .none = transaction { return false }
        return true
    }

    /// COMMIT of a failed transaction answers "ROLLBACK" without an error, so a swallowed error must be caught
    /// before COMMIT is sent rather than reported as success.
    private func requireHealthyTransaction() throws {
        guard let handle, PQtransactionStatus(handle) == PQTRANS_INTRANS else {
            throw PostgresError(.transactionAborted, context: "a statement failed and its error was not rethrown")
        }
    }

    private func rollback() async {
        defer { transaction = .none }
        guard case .open = transaction, let handle, PQstatus(handle) == CONNECTION_OK else { return }
        let status = PQtransactionStatus(handle)
        guard status == PQTRANS_INTRANS || status == PQTRANS_INERROR else { return }
        // A failed ROLLBACK leaves the connection in a transaction; the pool sees that and drops it.
        _ = try? await roundTrip(["ROLLBACK"], carriesCommit: false)
    }
}
