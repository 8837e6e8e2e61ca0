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
            case server = "the database reported an error"
            case poolTimeout = "timed out waiting for a database connection"
            case poolClosed = "the connection pool is closed"
            case decoding = "could not decode a database value"
            case invalidQuery = "the query could not be sent"
            case transactionAborted = "the transaction was aborted"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let connectionFailed = Code(.connectionFailed)
        public static let connectionLost = Code(.connectionLost)
        public static let server = Code(.server)
        public static let poolTimeout = Code(.poolTimeout)
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

    init(
        _ code: Code,
        sqlState: String? = nil,
        context: String? = nil,
        sensitiveMessage: String? = nil,
        withoutEffect: Bool = false
    ) {
        self.code = code
        self.sqlState = sqlState
        self.context = context
        self.sensitiveMessage = sensitiveMessage
        self.withoutEffect = withoutEffect
    }

    /// True when the connection that produced this error must not be used again: the server went away, restarted,
    /// terminated the backend, or the node became read-only after a failover.
    public var breaksConnection: Bool {
        if code == .connectionLost || code == .connectionFailed { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "25006"].contains(sqlState)
    }

    /// Unique violation (23505), for callers that turn a race into a normal outcome.
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String {
        var text = code.description
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let context { text += ": \(context)" }
        return text
    }

    public var debugDescription: String {
        guard let sensitiveMessage else { return description }
        return "\(description) — \(sensitiveMessage)"
    }
}
