import CLibPQ

/// Sending a round trip and waiting for its answer on the poll loop, without blocking a thread.
extension PostgresConnection {
    /// Sends `queries` as one pipeline ending in Sync and returns each one's rows.
    ///
    /// Effects, for the retry rule and `possiblyCommitted`: an implicit transaction commits only when the server
    /// reaches Sync, and Sync is the last thing sent, so a failure before everything was flushed applied nothing;
    /// only a `COMMIT` in the batch can apply earlier, since the server runs each statement as it arrives.
    func roundTrip(_ queries: [PostgresQuery], carriesCommit: Bool) async throws -> [PostgresRows] {
        let handle = try openHandle()
        for query in queries where query.bindings.containsNULInText {
            throw PostgresError(.invalidQuery, context: "a text parameter contains a NUL byte")
        }
        let isFirstRoundTrip = countRoundTrip()
        var implicit = false
        if case .none = transaction { implicit = true }
        let unsent = Effects(withoutEffect: isFirstRoundTrip && !carriesCommit, possiblyCommitted: carriesCommit)
        let sent = Effects(withoutEffect: false, possiblyCommitted: carriesCommit || implicit)

        guard PQenterPipelineMode(handle) == 1 else { throw PostgresError(lost: handle, unsent) }
        var plan: [PipelineReader.Slot] = []
        plan.reserveCapacity(queries.count)
        var reader = PipelineReader(isFirstRoundTrip: isFirstRoundTrip)
        defer {
            // Extra slots are Parse messages: whatever happens, the cache learns which of them the server took.
            if plan.count > queries.count { statements?.settle(confirmed: reader.prepared) }
        }
        for query in queries {
            guard send(query, on: handle, plan: &plan) else { throw PostgresError(lost: handle, unsent) }
        }
        guard PQpipelineSync(handle) == 1 else { throw PostgresError(lost: handle, unsent) }
        reader.plan = plan
        try await awaitAnswer(on: handle, reader: &reader, unsent: unsent, sent: sent)
        PQexitPipelineMode(handle)
        if let failure = reader.failure { throw failure }
        return reader.rows
    }

    /// Runs `sql` through the simple query protocol, outside pipeline mode (which does not allow it).
    func simpleRoundTrip(_ sql: String) async throws {
        let handle = try openHandle()
        let isFirstRoundTrip = countRoundTrip()
        // Several statements in one simple query each commit on their own outside a transaction.
        var implicit = false
        if case .none = transaction { implicit = true }
        let unsent = Effects(withoutEffect: isFirstRoundTrip, possiblyCommitted: false)
        guard PQsendQuery(handle, sql) == 1 else { throw PostgresError(lost: handle, unsent) }
        var reader = SimpleQueryReader()
        try await awaitAnswer(
            on: handle, reader: &reader, unsent: unsent,
            sent: Effects(withoutEffect: false, possiblyCommitted: implicit))
        if let failure = reader.failure { throw failure }
    }

    func openHandle() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(.connectionLost, context: "connection is closed") }
        return handle
    }

    /// Queues one statement: unnamed, or by its prepared name (prepared first when this connection has not yet).
    private func send(_ query: PostgresQuery, on handle: OpaquePointer, plan: inout [PipelineReader.Slot]) -> Bool {
        let count = Int32(query.bindings.count)
        let use = statements?.use(for: query) ?? .unnamed
        return query.bindings.withParameters { types, values, lengths, formats in
            switch use {
            case .unnamed:
                plan.append(.statement)
                return PQsendQueryParams(handle, query.sql, count, types, values, lengths, formats, 1) == 1
            case .prepareFirst(let name):
                plan.append(.prepare(name: name))
                guard PQsendPrepare(handle, name, query.sql, count, types) == 1 else { return false }
                fallthrough
            case .prepared(let name):
                plan.append(.statement)
                return PQsendQueryPrepared(handle, name, count, values, lengths, formats, 1) == 1
            }
        }
    }

    /// What a failure at a given moment of a round trip means for the retry rule and for the caller.
    struct Effects {
        var withoutEffect: Bool
        var possiblyCommitted: Bool
    }

    /// Parks on the poll loop until `reader` has the whole answer, flushing what libpq could not send at once. The
    /// round trip's deadline covers sending and receiving; when it passes, the connection is closed, because its
    /// socket is in an unknown state and `PQcancel` would block (a silent path would hang it as well). The server
    /// then ends the orphaned statement by its own `statement_timeout`, which travels with every transaction.
    private func awaitAnswer(
        on handle: OpaquePointer, reader: inout some ResultReader, unsent: Effects, sent: Effects
    ) async throws {
        let socket = PQsocket(handle)
        let deadline = roundTripTimeout.map { ContinuousClock.now + $0 }
        var flushResult = PQflush(handle)
        while true {
            guard flushResult >= 0 else { throw PostgresError(lost: handle, unsent) }
            let flushing = flushResult == 1
            let interest: PollLoop.Interest = flushing ? [.read, .write] : .read
            guard await loop.wait(for: socket, interest, until: deadline) != nil else {
                close()
                throw PostgresError(
                    .timeout, context: "no answer within \(roundTripTimeout?.milliseconds ?? 0) ms; connection closed",
                    possiblyCommitted: (flushing ? unsent : sent).possiblyCommitted)
            }
            if flushing { flushResult = PQflush(handle) }
            let consumed = PQconsumeInput(handle) == 1
            if reader.read(handle), PQstatus(handle) == CONNECTION_OK { return }
            guard consumed, PQstatus(handle) == CONNECTION_OK else {
                // A server error already read (a session-ending one, say) says more than "connection lost". libpq's
                // own error result for the lost connection does not: it cannot know what reached the server, so the
                // round trip's effects (sent or not, committed or maybe) decide, as for any lost connection.
                if let failure = reader.failure, failure.code != .connectionLost { throw failure }
                throw PostgresError(lost: handle, flushResult == 0 ? sent : unsent)
            }
        }
    }
}

/// Reads what has arrived of an answer without blocking; true once the whole answer is in.
protocol ResultReader {
    var failure: PostgresError? { get }
    mutating func read(_ handle: OpaquePointer) -> Bool
}

/// The C-to-Swift choke point for libpq failures.
extension PostgresError {
    /// libpq could not send or receive; a connection still `CONNECTION_OK` refused the query itself.
    init(lost handle: OpaquePointer, _ effects: PostgresConnection.Effects) {
        let message = String(cString: PQerrorMessage(handle))
        if PQstatus(handle) == CONNECTION_OK {
            self.init(.invalidQuery, sensitiveMessage: message)
        } else {
            self.init(
                .connectionLost, sensitiveMessage: message, withoutEffect: effects.withoutEffect,
                possiblyCommitted: effects.possiblyCommitted)
        }
    }

    /// The error a failed result carries.
    init(result: OpaquePointer, handle: OpaquePointer) {
        let sqlState = PQresultErrorField(result, CLibPQ_DIAG_SQLSTATE).map { String(cString: $0) }
        let message = String(cString: PQresultErrorMessage(result))
        if sqlState == nil, PQstatus(handle) == CONNECTION_BAD {
            self.init(.connectionLost, sensitiveMessage: message)
        } else {
            self.init(.server, sqlState: sqlState, sensitiveMessage: message)
        }
    }
}
