import CCurl

/// A transfer that produced no HTTP response, with the answer to the one question the caller must get right:
/// could the request have reached the server?
struct CurlTransportError: Error, Sendable {
    enum Delivery: Sendable {
        /// Provably never reached the server: resending cannot duplicate anything.
        case notSent
        /// May have reached the server and been acted on.
        case ambiguous
    }

    let delivery: Delivery
    /// The libcurl failure, or nil when the transfer never started (no free slot, client shut down, task cancelled
    /// first).
    let curl: CurlError?
    /// Why the transfer never started, when `curl` is nil.
    let reason: String?

    init(delivery: Delivery, curl: CurlError) {
        self.delivery = delivery
        self.curl = curl
        self.reason = nil
    }

    init(notStartedBecause reason: String) {
        self.delivery = .notSent
        self.curl = nil
        self.reason = reason
    }
}

/// What libcurl reported about a failed transfer, enough to tell "never sent" from "maybe sent".
struct CurlFailureEvidence: Sendable {
    var code: CURLcode
    /// `CURLINFO_PRETRANSFER_TIME_T`: zero until libcurl is about to send the request.
    var pretransferMicroseconds: Int64
    /// `CURLINFO_REQUEST_SIZE`: request bytes written, counted as the request header goes out.
    var requestBytes: Int
    /// `CURLINFO_HEADER_SIZE`: response header bytes received.
    var headerBytes: Int

    /// Codes libcurl returns only while resolving, connecting or completing the TLS handshake, that is before a
    /// single request byte can be written to the connection.
    private static let connectPhaseCodes: [CURLcode] = [
        CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN,
        CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR,
        CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
        CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE,
        CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
        CURLE_PROXY, CURLE_SSL_CLIENTCERT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
    ]

    /// Codes that can strike in any phase; only the transfer statistics can prove the request stayed home.
    private static let anyPhaseCodes: [CURLcode] = [CURLE_OPERATION_TIMEDOUT, CURLE_ABORTED_BY_CALLBACK]

    /// Decides conservatively: anything not proven unsent is ambiguous.
    var delivery: CurlTransportError.Delivery {
        // libcurl silently retries a request on a fresh connection when a reused one turns out dead, so even a
        // connect error after such a retry may follow a request that went out: the byte count must be zero too.
        if Self.connectPhaseCodes.contains(code) && requestBytes == 0 {
            return .notSent
        }
        if Self.anyPhaseCodes.contains(code) && pretransferMicroseconds == 0 && requestBytes == 0 && headerBytes == 0 {
            return .notSent
        }
        return .ambiguous
    }
}
