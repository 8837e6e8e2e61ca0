import CLibPQ

/// Collects the results of one pipeline as they arrive: per queued message one result followed by a NULL, then
/// the Sync marker. After an error the server skips the rest, which libpq reports as `PGRES_PIPELINE_ABORTED`.
struct PipelineReader: ResultReader {
    enum Slot {
        /// A Parse under this name, sent before the statement's first execution on this connection.
        case prepare(name: String)
        case statement
    }

    var plan: [Slot] = []
    let isFirstRoundTrip: Bool
    private(set) var rows: [PostgresRows] = []
    private(set) var failure: PostgresError?
    /// Names whose Parse the server confirmed.
    private(set) var prepared: [String] = []
    private var index = 0
    private var sawResult = false

    init(isFirstRoundTrip: Bool) {
        self.isFirstRoundTrip = isFirstRoundTrip
    }

    mutating func read(_ handle: OpaquePointer) -> Bool {
        while PQisBusy(handle) == 0 {
            guard let result = PQgetResult(handle) else {
                // The NULL that ends one message's results; without a result before it there is nothing to do yet.
                guard sawResult else { return false }
                sawResult = false
                index += 1
                continue
            }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC {
                PQclear(result)
                if failure == nil, index != plan.count {
                    failure = PostgresError(.connectionLost, context: "pipeline out of step")
                }
                return true
            }
            guard index < plan.count, !sawResult else {
                PQclear(result)
                failure = failure ?? PostgresError(.connectionLost, context: "pipeline out of step")
                continue
            }
            sawResult = true
            if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK, case .statement = plan[index] {
                rows.append(PostgresRows(taking: result))
                continue
            }
            switch status {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                if case .prepare(let name) = plan[index] { prepared.append(name) }
            case PGRES_PIPELINE_ABORTED:
                break
            default:
                var error = PostgresError(result: result, handle: handle)
                // The server flushes each result before it could end the session, so a session-ending error as the
                // very first answer of a lease means none of its statements completed: nothing can have committed.
                if isFirstRoundTrip, index == 0, let state = error.sqlState,
                    PostgresError.sessionEndedStates.contains(state)
                {
                    error = error.withoutEffect(true)
                }
                failure = failure ?? error
            }
            PQclear(result)
        }
        return false
    }
}

/// Collects the results of a simple query (several statements, each with its result, then a NULL).
struct SimpleQueryReader: ResultReader {
    private(set) var failure: PostgresError?

    mutating func read(_ handle: OpaquePointer) -> Bool {
        while PQisBusy(handle) == 0 {
            guard let result = PQgetResult(handle) else { return true }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: break
            default: failure = failure ?? PostgresError(result: result, handle: handle)
            }
            PQclear(result)
        }
        return false
    }
}
