/// How to reach PostgreSQL and how long anything may take there.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string, URI or `key=value`, passed to libpq untouched so that everything psql accepts
    /// (`sslmode`, `host=a,b` with `target_session_attrs=read-write`, `connect_timeout`, `service=`) works here.
    public var connectionString: String
    /// Connections in the pool; also the number of threads that run blocking libpq calls.
    public var poolSize: Int
    /// How long a caller waits for a free connection before getting `PostgresError.Code.poolTimeout`.
    public var poolTimeout: Duration
    /// Bounds applied to every transaction with `SET LOCAL` semantics.
    public var limits: TransactionLimits
    /// Used only when the connection string names no `application_name`.
    public var fallbackApplicationName: String

    public init(
        connectionString: String,
        poolSize: Int = 8,
        poolTimeout: Duration = .seconds(5),
        limits: TransactionLimits = .init(),
        fallbackApplicationName: String = "verifyd"
    ) {
        self.connectionString = connectionString
        self.poolSize = max(1, poolSize)
        self.poolTimeout = poolTimeout
        self.limits = limits
        self.fallbackApplicationName = fallbackApplicationName
    }
}

/// Statement, lock-wait and idle-in-transaction bounds, applied per transaction (never per session) so that they
/// also hold behind pgbouncer in transaction pooling mode, which keeps no session state and rejects `options`.
public struct TransactionLimits: Sendable, Hashable {
    public var statementTimeout: Duration
    public var lockTimeout: Duration
    public var idleInTransactionTimeout: Duration

    public init(
        statementTimeout: Duration = .seconds(5),
        lockTimeout: Duration = .seconds(2),
        idleInTransactionTimeout: Duration = .seconds(10)
    ) {
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
    }

    /// `set_config(…, true)` is `SET LOCAL` as a function, so the values travel as binds in the same round trip as
    /// the transaction's first statement.
    var settingsQuery: PostgresQuery {
        let statement = String(statementTimeout.milliseconds)
        let lock = String(lockTimeout.milliseconds)
        let idle = String(idleInTransactionTimeout.milliseconds)
        return """
            SELECT set_config('statement_timeout', \(statement), true), \
            set_config('lock_timeout', \(lock), true), \
            set_config('idle_in_transaction_session_timeout', \(idle), true)
            """
    }
}

extension Duration {
    /// Whole milliseconds, rounded down; what PostgreSQL's timeout settings take.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
