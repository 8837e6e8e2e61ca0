/// The named statements one connection has prepared, by SQL text. A statement is prepared in the same round trip
/// as its first execution (Parse under a name, then Bind/Execute of that name), so preparing costs no extra round
/// trip, and later executions skip parsing and planning on the server.
struct PreparedStatements {
    private struct Entry {
        var name: String
        var types: [UInt32]
        /// False until the server confirmed the Parse; the round trip that sent it settles it either way.
        var ready: Bool
    }

    /// SQL in queries comes from literals, so the set is small; past this many, statements go unnamed rather than
    /// growing the server's memory without end.
    static let capacity = 256
    private var entries: [String: Entry] = [:]
    private var counter = 0

    enum Use {
        case unnamed
        case prepared(name: String)
        case prepareFirst(name: String)
    }

    /// How to send `query`: by a name already prepared (or being prepared in this round trip), preparing it now, or
    /// unnamed when its parameter types differ from the prepared ones or the cache is full.
    mutating func use(for query: PostgresQuery) -> Use {
        let types = query.bindings.slots.lazy.map(\.oid)
        if let entry = entries[query.sql] {
            return entry.types.elementsEqual(types) ? .prepared(name: entry.name) : .unnamed
        }
        guard entries.count < Self.capacity else { return .unnamed }
        counter += 1
        let name = "verifyd_\(counter)"
        entries[query.sql] = Entry(name: name, types: Array(types), ready: false)
        return .prepareFirst(name: name)
    }

    /// Settles the statements this round trip prepared: the confirmed ones stay, the others (their Parse failed or
    /// never ran) are forgotten so that the next use prepares them again.
    mutating func settle(confirmed: [String]) {
        for (sql, entry) in entries where !entry.ready {
            if confirmed.contains(entry.name) {
                entries[sql]?.ready = true
            } else {
                entries.removeValue(forKey: sql)
            }
        }
    }
}
