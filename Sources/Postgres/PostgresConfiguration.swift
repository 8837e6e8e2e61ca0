/// How to reach PostgreSQL and how long anything may take there.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string, URI or `key=value`, passed to libpq untouched so that everything psql accepts
    /// (`sslmode`, `host=a,b` with `target_session_attrs=read-write`, `connect_timeout`, `service=`) works here.
    /// `defaultKeywords` apply where it says nothing.
    public var connectionString: String
    /// Connections in the pool.
    public var poolSize: Int
    /// How long a caller waits for a free connection before getting `PostgresError.Code.poolTimeout`.
    public var poolTimeout: Duration
    /// Callers that may wait for a connection at once; the next one gets `PostgresError.Code.poolBusy` at once.
    public var maxWaiters: Int
    /// How long one round trip (send, then the last result) may take before the connection is closed and the
    /// lease fails with `PostgresError.Code.timeout`. Keep it above the statement timeout, so that a slow statement
    /// is ended by the server (a clean error, the connection kept) and this deadline only catches a silent network.
    public var roundTripTimeout: Duration
    /// An idle connection unused this long is closed.
    public var idleTimeout: Duration
    /// A connection is closed once it is this old (up to 10% sooner, so a pool opened at once does not reconnect at
    /// once); behind a balancer or after a failover this moves connections to where they now belong.
    public var maxLifetime: Duration
    /// Named prepared statements, cached per connection by SQL text and prepared in the same round trip as their
    /// first execution. Only for direct connections or pgbouncer 1.21+ with `max_prepared_statements`; pgbouncer in
    /// transaction mode before that accepts unnamed statements only, which is what `false` sends.
    public var preparedStatements: Bool
    /// The wait after a failed connect before the pool tries again, doubling per failure up to the upper bound.
    /// Meanwhile every caller that needs a new connection fails at once with `connectionFailed`.
    public var reconnectBackoff: ClosedRange<Duration>
    /// Bounds applied to every transaction with `SET LOCAL` semantics.
    public var limits: TransactionLimits
    /// Used only when the connection string names no `application_name`.
    public var fallbackApplicationName: String

    /// libpq keywords sent before the connection string, so that its own values win (in libpq's keyword arrays a
    /// later value replaces an earlier one, and the string expands in place of `dbname`): a connect to a silent
    /// host ends after 5 s instead of the kernel's 2 minutes, unacknowledged data ends a connection after 10 s
    /// instead of 15 minutes, and keepalives notice a dead peer of an idle connection.
    public static let defaultKeywords: [(keyword: String, value: String)] = [
        ("connect_timeout", "5"),
        ("tcp_user_timeout", "10000"),
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
    ]

    public init(
        connectionString: String,
        poolSize: Int = 8,
        poolTimeout: Duration = .seconds(5),
        maxWaiters: Int = 1024,
        roundTripTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(300),
        maxLifetime: Duration = .seconds(1800),
        preparedStatements: Bool = false,
        reconnectBackoff: ClosedRange<Duration> = .milliseconds(100)...(.seconds(2)),
        limits: TransactionLimits = .init(),
        fallbackApplicationName: String = "verifyd"
    ) {
        self.connectionString = connectionString
        self.poolSize = max(1, poolSize)
        self.poolTimeout = poolTimeout
        self.maxWaiters = max(0, maxWaiters)
        self.roundTripTimeout = roundTripTimeout
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.preparedStatements = preparedStatements
        self.reconnectBackoff = reconnectBackoff
        self.limits = limits
        self.fallbackApplicationName = fallbackApplicationName
    }

    /// The keyword/value pairs handed to `PQconnectStartParams` with `expand_dbname` set.
    var connectKeywords: [(keyword: String, value: String)] {
        Self.defaultKeywords + [
            ("dbname", connectionString),
            ("fallback_application_name", fallbackApplicationName),
            ("client_encoding", "UTF8"),
        ]
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
