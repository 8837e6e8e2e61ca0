import CCurl

/// The process-wide libcurl set-up.
///
/// `curl_global_init` is not thread-safe and must complete before the first easy handle exists. A static `let` is
/// initialised exactly once, atomically, on first use, which is the one place verifyd allows a process-wide
/// singleton. libcurl is never globally cleaned up: handles may still be closing while the process exits.
enum CurlGlobal {
    private static let initialization: CURLcode = curl_global_init(ccurl_global_default())

    /// Initialises libcurl on first call; later calls return the first result.
    static func initialize() throws(CurlError) {
        try check(initialization)
    }
}
