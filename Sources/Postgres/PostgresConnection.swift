import CLibPQ
import Glibc

/// One libpq connection. It owns the `PGconn *` and is used by one thread at a time: the pool lends it to exactly
/// one job on the database thread pool, so every call here may block.
public final class PostgresConnection: @unchecked Sendable {
    // Sendable is sound because the pool hands a connection to one job at a time and libpq is thread-safe
    // (PQisthreadsafe() == 1) for connections that are not shared between threads concurrently.
    private var handle: OpaquePointer?
    private let limits: TransactionLimits
    private var transaction = TransactionState.none
    /// Round trips started since the pool lent this connection; a failure on the first one may be retried.
    private(set) var roundTripsThisLease = 0

    enum TransactionState {
        case none
        /// `BEGIN` and the limits are sent together with the first statement of the transaction.
        case pendingBegin(TransactionLimits)
        case open
        /// `pipeline(_:commit:)` committed; the transaction's closure has nothing left to send.
        case committed
    }

    private init(handle: OpaquePointer, limits: TransactionLimits) {
        self.handle = handle
        self.limits = limits
    }

    deinit {
        assert(handle == nil, "PostgresConnection must be closed before it is released")
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection. Blocks for as long as libpq's own `connect_timeout` allows.
    static func connect(configuration: PostgresConfiguration) throws -> PostgresConnection {
        // The connection string goes in as `dbname` with expand_dbname set, which is how libpq takes a whole
        // conninfo or URI; the keys after it only add what the operator did not say.
        let keys = ["dbname", "fallback_application_name", "client_encoding"]
        let values = [configuration.connectionString, configuration.fallbackApplicationName, "UTF8"]
        let handle = withCStrings(keys) { keyPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let handle else { throw PostgresError(.connectionFailed, context: "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(.connectionFailed, sensitiveMessage: message)
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return PostgresConnection(handle: handle, limits: configuration.limits)
    }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Cheap check before lending: no round trip, only a non-blocking look at the socket. An idle connection
    /// receives nothing unless the server is ending it (`pg_terminate_backend`, shutdown, failover), so anything
    /// readable means it must be replaced.
    func isUsable() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) == PQTRANS_IDLE else {
            return false
        }
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

    func beginLease() {
        roundTripsThisLease = 0
        transaction = .none
    }

    // MARK: Statements

    /// Runs one statement and returns its rows. Outside a transaction it runs in an implicit transaction together
    /// with the configured limits, all in one round trip.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        try pipeline([query])[0]
    }

    /// Runs several statements in one round trip (libpq pipeline mode) and returns each one's rows. Outside an
    /// explicit transaction they form one implicit transaction: all apply or none does.
    @discardableResult
    public func pipeline(_ queries: [PostgresQuery]) throws -> [PostgresRows] {
        switch transaction {
        case .committed:
            preconditionFailure("a statement after the transaction committed")
        case .open:
            return try send(queries)
        case .none:
            return Array(try send([limits.settingsQuery] + queries).dropFirst())
        case .pendingBegin(let transactionLimits):
            // Open from here on even if this round trip fails, so that the failure path sends ROLLBACK.
            transaction = .open
            return Array(try send(["BEGIN", transactionLimits.settingsQuery] + queries).dropFirst(2))
        }
    }

    /// Inside `PostgresClient.withTransaction`: runs `queries` and then `COMMIT` in the same round trip, so the
    /// transaction's last writes cost no extra trip; returns the rows of `queries`. The transaction is over
    /// afterwards: the closure must not run more statements on it. Outside a transaction `commit` changes nothing
    /// (the statements already form one implicit transaction).
    @discardableResult
    public func pipeline(_ queries: [PostgresQuery], commit: Bool) throws -> [PostgresRows] {
        guard commit, isInTransaction else { return try pipeline(queries) }
        // Should a statement fail, COMMIT is skipped with the rest of the pipeline and the state stays open, so the
        // failure path sends ROLLBACK as usual.
        let rows = try pipeline(queries + ["COMMIT"])
        transaction = .committed
        return Array(rows.dropLast())
    }

    /// Runs SQL text as is, possibly several statements, through the simple query protocol. Only for migration
    /// files and other SQL that comes from the binary itself, never with values from a request.
    public func unsafeExecute(rawSQL sql: String) throws {
        let handle = try openHandle()
        roundTripsThisLease += 1
        guard let result = PQexec(handle, sql) else { throw lostConnection(handle, withoutEffect: false) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default: throw Self.serverError(result, handle: handle)
        }
    }

    // MARK: Transactions

    /// Runs `body` inside `BEGIN … COMMIT`; any error rolls back. The limits ride along with the first statement.
    func transaction<Result>(limits: TransactionLimits, _ body: () throws -> Result) throws -> Result {
        precondition(!isInTransaction, "transactions do not nest")
        transaction = .pendingBegin(limits)
        let result: Result
        do {
            result = try body()
        } catch {
            rollback()
            throw error
        }
        return try commit(result)
    }

    private var isInTransaction: Bool {
        if case .none = transaction { return false }
        return true
    }

    private func commit<Result>(_ result: Result) throws -> Result {
        defer { transaction = .none }
        guard case .open = transaction, let handle else { return result }
        // COMMIT of a failed transaction answers "ROLLBACK" without an error, so a swallowed error must be caught
        // here rather than reported as success.
        guard PQtransactionStatus(handle) == PQTRANS_INTRANS else {
            rollback()
            throw PostgresError(.transactionAborted, context: "a statement failed and its error was not rethrown")
        }
        _ = try send(["COMMIT"])
        return result
    }

    private func rollback() {
        defer { transaction = .none }
        guard case .open = transaction, let handle, PQstatus(handle) == CONNECTION_OK else { return }
        // A failed ROLLBACK leaves the connection in a transaction; the pool sees that and drops it.
        _ = try? send(["ROLLBACK"])
    }

    // MARK: Wire

    private func openHandle() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(.connectionLost, context: "connection is closed") }
        return handle
    }

    private func send(_ queries: [PostgresQuery]) throws -> [PostgresRows] {
        let handle = try openHandle()
        for query in queries where query.bindings.containsNULInText {
            throw PostgresError(.invalidQuery, context: "a text parameter contains a NUL byte")
        }
        let isFirstRoundTrip = roundTripsThisLease == 0
        roundTripsThisLease += 1
        guard PQenterPipelineMode(handle) == 1 else {
            throw lostConnection(handle, withoutEffect: isFirstRoundTrip)
        }
        defer { PQexitPipelineMode(handle) }
        for query in queries {
            let sent = query.bindings.withParameters { types, values, lengths, formats in
                PQsendQueryParams(
                    handle, query.sql, Int32(query.bindings.count), types, values, lengths, formats, 1)
            }
            guard sent == 1 else {
                // Nothing before Sync can commit, so a failure while sending left no trace on the server.
                throw lostConnection(handle, withoutEffect: isFirstRoundTrip)
            }
        }
        guard PQpipelineSync(handle) == 1 else { throw lostConnection(handle, withoutEffect: isFirstRoundTrip) }
        return try receive(count: queries.count, handle: handle, isFirstRoundTrip: isFirstRoundTrip)
    }

    /// SQLSTATEs of a server ending the session (terminated, crashed, shutting down).
    private static let sessionEnded: Set<String> = ["57P01", "57P02", "57P03"]

    private func receive(count: Int, handle: OpaquePointer, isFirstRoundTrip: Bool) throws -> [PostgresRows] {
        var rows: [PostgresRows] = []
        rows.reserveCapacity(count)
        var failure: PostgresError?
        for index in 0..<count {
            guard let result = PQgetResult(handle) else { throw lostConnection(handle, withoutEffect: false) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                rows.append(PostgresRows(taking: result))
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
            default:
                var error = Self.serverError(result, handle: handle)
                // The server flushes each result before it could end the session, so a session-ending error as the
                // very first answer of a lease means none of its statements completed: nothing can have committed.
                if isFirstRoundTrip, index == 0, let state = error.sqlState, Self.sessionEnded.contains(state) {
                    error = PostgresError(
                        error.code, sqlState: state, sensitiveMessage: error.sensitiveMessage, withoutEffect: true)
                }
                failure = failure ?? error
                PQclear(result)
            }
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        guard let sync = PQgetResult(handle) else { throw lostConnection(handle, withoutEffect: false) }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        if let failure { throw failure }
        guard synced else { throw PostgresError(.connectionLost, context: "pipeline out of step") }
        return rows
    }

    private func lostConnection(_ handle: OpaquePointer, withoutEffect: Bool) -> PostgresError {
        let message = String(cString: PQerrorMessage(handle))
        if PQstatus(handle) == CONNECTION_OK {
            return PostgresError(.invalidQuery, sensitiveMessage: message)
        }
        return PostgresError(.connectionLost, sensitiveMessage: message, withoutEffect: withoutEffect)
    }

    private static func serverError(_ result: OpaquePointer, handle: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, CLibPQ_DIAG_SQLSTATE).map { String(cString: $0) }
        let message = String(cString: PQresultErrorMessage(result))
        if sqlState == nil, PQstatus(handle) == CONNECTION_BAD {
            return PostgresError(.connectionLost, sensitiveMessage: message)
        }
        return PostgresError(.server, sqlState: sqlState, sensitiveMessage: message)
    }
}

/// Lends a NULL-terminated array of C strings built from `strings`.
private func withCStrings<Result>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    let duplicates = strings.map { strdup($0) }
    defer { for duplicate in duplicates { free(duplicate) } }
    let pointers = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
