/// An error from PostgreSQL or from talking to it.
///
/// `description` names what failed without any value: the server's message can quote values (a phone number in a
/// unique-violation detail, say), so it is kept for `debugDescription` only, which must never be logged at info level
/// or above.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is; a struct so that kinds can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed = "could not connect to the database"
            case connectionLost = "lost the connection to the database"
            case timeout = "the database did not answer in time"
            case server = "the database reported an error"
            case poolTimeout = "timed out waiting for a database connection"
            case poolBusy = "too many requests are waiting for a database connection"
            case poolClosed = "the connection pool is closed"
            case decoding = "could not decode a database value"
            case invalidQuery = "the query could not be sent"
            case transactionAborted = "the transaction was aborted"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let connectionFailed = Code(.connectionFailed)
        public static let connectionLost = Code(.connectionLost)
        /// A round trip passed its deadline (`PostgresConfiguration.roundTripTimeout`); the connection was closed.
        public static let timeout = Code(.timeout)
        public static let server = Code(.server)
        public static let poolTimeout = Code(.poolTimeout)
        /// The queue of callers waiting for a connection was full (`PostgresConfiguration.maxWaiters`).
        public static let poolBusy = Code(.poolBusy)
        public static let poolClosed = Code(.poolClosed)
        public static let decoding = Code(.decoding)
        public static let invalidQuery = Code(.invalidQuery)
        public static let transactionAborted = Code(.transactionAborted)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The five-character SQLSTATE the server sent, when it sent one.
    public let sqlState: String?
    /// Context free of values (column names, type names, limits), shown in `description`.
    let context: String?
    /// Text that may contain values: the server's message, libpq's message. Only in `debugDescription`.
    let sensitiveMessage: String?
    /// True when the failure provably left no effect on the server (nothing was sent, or the server ended the session
    /// before any of the lease's statements produced a result), so running the work again cannot apply it twice.
    let withoutEffect: Bool
    /// True when the answer was lost after statements that commit on their own (an implicit transaction, or one
    /// carrying `COMMIT`) may have reached the server: they may or may not have been applied.
    public let possiblyCommitted: Bool
    /// When the pool knows better than the default when trying again makes sense (reconnect backoff).
    let retryHint: Duration?

    init(
        _ code: Code,
        sqlState: String? = nil,
        context: String? = nil,
        sensitiveMessage: String? = nil,
        withoutEffect: Bool = false,
        possiblyCommitted: Bool = false,
        retryHint: Duration? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.context = context
        self.sensitiveMessage = sensitiveMessage
        self.withoutEffect = withoutEffect
        self.possiblyCommitted = possiblyCommitted
        self.retryHint = retryHint
    }

    /// The same error, marked as leaving no effect.
    func withoutEffect(_ value: Bool) -> PostgresError {
        PostgresError(
            code, sqlState: sqlState, context: context, sensitiveMessage: sensitiveMessage, withoutEffect: value,
            possiblyCommitted: possiblyCommitted, retryHint: retryHint)
    }

    /// SQLSTATEs of a server ending the session: terminated by an administrator, crashed, shutting down.
    static let sessionEndedStates: Set<String> = ["57P01", "57P02", "57P03"]
    /// A write refused because the node is read-only: after a failover, the old primary came back as a standby.
    static let readOnlyState = "25006"

    /// True when the connection that produced this error must not be used again: the server went away, restarted,
    /// terminated the backend, the node became read-only after a failover, or a round trip passed its deadline.
    public var breaksConnection: Bool {
        if code == .connectionLost || code == .connectionFailed || code == .timeout { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || endsEverySession
    }

    /// True for errors after which every idle connection of the pool is suspect as well: the server ended sessions
    /// (a restart or failover ends all of them), or a node turned read-only.
    var endsEverySession: Bool {
        guard let sqlState else { return false }
        return Self.sessionEndedStates.contains(sqlState) || sqlState == Self.readOnlyState
    }

    /// True when the database is temporarily out of reach rather than the request being wrong: no connection could
    /// be had (pool exhausted, queue full, closed, connect failed or backing off), the connection broke or went
    /// silent, or the server is shutting down, starting, out of connections or read-only after a failover. HTTP
    /// answers these with 503 and `Retry-After`.
    public var isUnavailable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .timeout, .poolTimeout, .poolBusy, .poolClosed: return true
        default: break
        }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") || sqlState == "53300" || sqlState == "25006"
    }

    /// How long a caller should wait before trying again, for errors that are `isUnavailable`; nil otherwise.
    public var retryAfter: Duration? {
        guard isUnavailable else { return nil }
        return retryHint ?? .seconds(1)
    }

    /// Unique violation (23505), for callers that turn a race into a normal outcome.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text = code.description
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let context { text += ": \(context)" }
        if possiblyCommitted { text += " (it may have committed)" }
        return text
    }

    public var debugDescription: String {
        guard let sensitiveMessage else { return description }
        return "\(description) — \(sensitiveMessage)"
    }
}
