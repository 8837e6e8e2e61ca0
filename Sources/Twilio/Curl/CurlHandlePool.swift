import Synchronization

/// Idle easy handles waiting for the next transfer.
///
/// A handle is checked out by exactly one thread-pool job and returned when the job ends, so at most one handle per
/// pool thread is ever in use and the set never grows past the thread count. Keeping handles is what keeps
/// connections (and TLS sessions) to Twilio alive between requests.
final class CurlHandlePool: Sendable {
    private struct State {
        var idle: [CurlEasyHandle] = []
        var isClosed = false
    }

    private let state = Mutex(State())

    /// An idle handle, or a new one when all are busy.
    func checkOut() throws(CurlError) -> CurlEasyHandle {
        if let handle = state.withLock({ $0.idle.popLast() }) {
            return handle
        }
        return try CurlEasyHandle()
    }

    /// Returns a handle for reuse, or closes it when the pool has been closed meanwhile.
    func checkIn(_ handle: CurlEasyHandle) {
        let keep = state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.idle.append(handle)
            return true
        }
        if !keep {
            handle.close()
        }
    }

    /// Closes every idle handle; handles still in use are closed when they come back.
    func close() {
        let handles = state.withLock { state -> [CurlEasyHandle] in
            state.isClosed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for handle in handles {
            handle.close()
        }
    }
}
