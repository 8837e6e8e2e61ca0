import CLibPQ
import Glibc

extension PostgresConnection {
    /// Opens a connection without blocking a thread on the network: `PQconnectStartParams`, then `PQconnectPoll`
    /// whenever the poll loop reports the socket ready.
    ///
    /// libpq enforces `connect_timeout` only in its blocking connect, so it is enforced here, per host as libpq
    /// does: when one attempt has waited on the network that long, its socket is shut down, which makes libpq move on
    /// to the next address or host of a multi-host string, or fail. Only time parked on the poll loop counts, so a
    /// busy machine that is slow to run the steps in between does not fail a connect the network answered. Host
    /// names are resolved inside libpq's calls, on the calling thread; `hostaddr=` avoids that where a resolver may
    /// be slow.
    static func connect(configuration: PostgresConfiguration, loop: PollLoop) async throws -> PostgresConnection {
        let keywords = configuration.connectKeywords
        let handle = withCStrings(keywords.map(\.keyword)) { keys in
            withCStrings(keywords.map(\.value)) { values in PQconnectStartParams(keys, values, 1) }
        }
        guard let handle else { throw PostgresError(.connectionFailed, context: "out of memory") }
        let perAttempt = Self.connectTimeout(of: handle)
        var polling = PGRES_POLLING_WRITING
        // The socket of the current attempt (-1 once it was cut) and how much waiting it has left.
        var attempt = (socket: Int32(-1), budget: perAttempt)
        var timedOut = false
        connecting: while PQstatus(handle) != CONNECTION_BAD {
            switch polling {
            case PGRES_POLLING_OK:
                // An attempt that was cut can still complete from what libpq had buffered; its socket is dead.
                guard attempt.socket >= 0, PQsetnonblocking(handle, 1) == 0 else { break connecting }
                PQsetNoticeProcessor(handle, { _, _ in }, nil)
                return PostgresConnection(handle: handle, loop: loop, configuration: configuration)
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING:
                let socket = PQsocket(handle)
                if socket != attempt.socket { attempt = (socket, perAttempt) }
                let interest: PollLoop.Interest = polling == PGRES_POLLING_READING ? .read : .write
                let parked = ContinuousClock.now
                if let ready = await loop.wait(for: socket, interest, until: attempt.budget.map { parked + $0 }) {
                    attempt.budget = attempt.budget.map { $0 - (ready - parked) }
                } else {
                    timedOut = true
                    shutdown(socket, Int32(SHUT_RDWR))
                    attempt.socket = -1
                }
                polling = PQconnectPoll(handle)
            default:
                break connecting
            }
        }
        let message = String(cString: PQerrorMessage(handle))
        let socket = PQsocket(handle)
        if socket >= 0 { loop.forget(socket) }
        PQfinish(handle)
        let context = timedOut ? "no answer within connect_timeout (\(perAttempt?.milliseconds ?? 0) ms)" : nil
        throw PostgresError(.connectionFailed, context: context, sensitiveMessage: message)
    }

    /// The `connect_timeout` libpq settled on (the operator's or the default), with libpq's rules: none when empty
    /// or not positive, at least 2 s otherwise.
    private static func connectTimeout(of handle: OpaquePointer) -> Duration? {
        guard let text = option("connect_timeout", of: handle), let seconds = Int(text), seconds > 0 else { return nil }
        return .seconds(max(2, seconds))
    }

    /// The value libpq settled on for `keyword`, from `PQconninfo`.
    static func option(_ keyword: String, of handle: OpaquePointer) -> String? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var index = 0
        while let name = options[index].keyword {
            if String(cString: name) == keyword { return options[index].val.map { String(cString: $0) } }
            index += 1
        }
        return nil
    }

    /// The effective value of a connection keyword, for tests of the defaults and their overrides.
    func option(_ keyword: String) -> String? {
        handle.flatMap { Self.option(keyword, of: $0) }
    }

    /// The connection's socket, for tests that look at its options; -1 once closed.
    var socket: Int32 { handle.map { PQsocket($0) } ?? -1 }
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
