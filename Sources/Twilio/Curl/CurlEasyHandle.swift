import CCurl

/// Owns one libcurl easy handle (`CURL *`).
///
/// Only `CurlTransferLoop`'s thread creates, configures, reads and closes handles, so a handle is never touched by
/// two threads. Handles are reused across transfers; the connections themselves live in the multi handle's cache.
final class CurlEasyHandle {
    private var handle: UnsafeMutableRawPointer?

    init() throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: CURLE_FAILED_INIT)
        }
        self.handle = handle
    }

    deinit {
        // Handles are normally closed by the transfer loop; cleaning up here keeps a forgotten handle from leaking its
        // sockets instead of crashing the process.
        if let handle {
            curl_easy_cleanup(handle)
        }
    }

    /// Releases the handle and its cached connections; later calls do nothing.
    func close() {
        guard let handle else { return }
        curl_easy_cleanup(handle)
        self.handle = nil
    }

    /// Forgets every option and statistic of the previous transfer.
    func reset() {
        curl_easy_reset(live)
    }

    /// The `CURL *` for the multi handle's calls.
    var raw: UnsafeMutableRawPointer {
        live
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(ccurl_easy_setopt_long(live, option, value))
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        try check(ccurl_easy_setopt_string(live, option, value))
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(CurlError) {
        try check(ccurl_easy_setopt_pointer(live, option, value))
    }

    func set(_ option: CURLoption, list value: UnsafeMutablePointer<curl_slist>?) throws(CurlError) {
        try check(ccurl_easy_setopt_slist(live, option, value))
    }

    func set(_ option: CURLoption, callback value: ccurl_data_callback) throws(CurlError) {
        try check(ccurl_easy_setopt_data_callback(live, option, value))
    }

    /// Copies `bytes` into libcurl as the POST body, so the buffer need not outlive this call.
    func setPostBody(_ bytes: [UInt8]) throws(CurlError) {
        try check(ccurl_easy_setopt_off_t(live, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
        let result = bytes.withUnsafeBytes { buffer -> CURLcode in
            // An empty array may have no base address; libcurl needs a valid pointer even for zero bytes.
            guard let base = buffer.baseAddress else {
                return ccurl_easy_setopt_string(live, CURLOPT_COPYPOSTFIELDS, "")
            }
            return ccurl_easy_setopt_pointer(live, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
        }
        try check(result)
    }

    func info(long info: CURLINFO) -> Int? {
        var value = 0
        guard ccurl_easy_getinfo_long(live, info, &value) == CURLE_OK else { return nil }
        return value
    }

    func info(offset info: CURLINFO) -> Int64? {
        var value: curl_off_t = 0
        guard ccurl_easy_getinfo_off_t(live, info, &value) == CURLE_OK else { return nil }
        return Int64(value)
    }

    private var live: UnsafeMutableRawPointer {
        guard let handle else {
            preconditionFailure("CurlEasyHandle used after close()")
        }
        return handle
    }
}
