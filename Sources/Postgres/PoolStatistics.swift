/// A snapshot of a connection pool, for metrics: its occupancy now, and its queueing since it started.
public struct PoolStatistics: Sendable, Equatable {
    public var capacity: Int
    /// Connections lent out or being opened.
    public var inUse: Int
    public var idle: Int
    /// Callers queued for a connection now.
    public var waiting: Int
    /// Leases that had to queue, and how long they queued in all (until served or timed out).
    public var waits: Int
    public var waited: Duration
}
