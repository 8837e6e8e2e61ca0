import CCurl

/// Owns one libcurl multi handle (`CURLM *`) and with it the connection cache every transfer shares.
///
/// `@unchecked Sendable` is sound because only `CurlTransferLoop`'s thread calls into the handle, with one exception
/// libcurl documents as thread-safe: `wakeup()`. The loop closes the handle only after it has stopped taking
/// submissions, under the same lock that guards every `wakeup()` call, so no wakeup can reach a closed handle.
final class CurlMultiHandle: @unchecked Sendable {
    private var handle: UnsafeMutableRawPointer?

    /// A finished transfer, copied out of libcurl's message (which dies with the next `remove`).
    struct Completion {
        let easy: UnsafeMutableRawPointer
        let code: CURLcode
    }

    /// Creates the handle with room for `connections` connections and no more: the caller never runs more
    /// transfers than that at once, so libcurl never parks one waiting for a connection while its timeout runs.
    init(connections: Int) throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_multi_init() else {
            throw CurlError(code: CURLE_FAILED_INIT)
        }
        self.handle = handle
        let options: [(CURLMoption, Int)] = [
            (CURLMOPT_MAX_TOTAL_CONNECTIONS, connections),
            (CURLMOPT_MAX_HOST_CONNECTIONS, connections),
            (CURLMOPT_MAXCONNECTS, connections),
            // HTTP/2 streams share one connection where the server offers it (Twilio does, over TLS).
            (CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX),
        ]
        for (option, value) in options where ccurl_multi_setopt_long(handle, option, value) != CURLM_OK {
            close()
            throw CurlError(code: CURLE_FAILED_INIT)
        }
    }

    deinit {
        if let handle {
            curl_multi_cleanup(handle)
        }
    }

    /// Releases the handle and its cached connections; later calls do nothing.
    func close() {
        guard let handle else { return }
        curl_multi_cleanup(handle)
        self.handle = nil
    }

    /// Starts driving `easy`; its `CURLOPT_TIMEOUT_MS` starts counting now.
    func add(_ easy: CurlEasyHandle) -> Bool {
        curl_multi_add_handle(live, easy.raw) == CURLM_OK
    }

    /// Stops driving `easy`, mid-transfer or after it completed, so the easy handle can be reused.
    func remove(_ easy: CurlEasyHandle) {
        curl_multi_remove_handle(live, easy.raw)
    }

    /// Moves every transfer as far as it can go without blocking.
    func perform() {
        var running: Int32 = 0
        curl_multi_perform(live, &running)
    }

    /// Transfers that completed since the last call.
    func completions() -> [Completion] {
        var completions: [Completion] = []
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(live, &remaining) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                completions.append(Completion(easy: easy, code: message.pointee.data.result))
            }
        }
        return completions
    }

    /// Blocks until a socket is ready, libcurl's next timer is due, `wakeup()` is called or `milliseconds` pass.
    func poll(milliseconds: Int32) {
        curl_multi_poll(live, nil, 0, milliseconds, nil)
    }

    /// Makes a blocked (or the next) `poll` return at once. Safe from any thread.
    func wakeup() {
        curl_multi_wakeup(live)
    }

    private var live: UnsafeMutableRawPointer {
        guard let handle else {
            preconditionFailure("CurlMultiHandle used after close()")
        }
        return handle
    }
}
