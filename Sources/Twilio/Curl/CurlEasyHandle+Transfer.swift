import CCurl

extension CurlEasyHandle {
    /// Configures the handle for `transfer`'s request; the multi handle then drives it.
    func prepare(_ transfer: CurlTransfer, options: CurlOptions) throws(CurlError) {
        let context = CurlTransferContext(maximumBodyBytes: options.maximumResponseBytes)
        // The transfer keeps both alive while libcurl holds their addresses.
        transfer.context = context
        transfer.headers = Self.headerList(for: transfer.request)
        try configure(for: transfer.request, options: options, headers: transfer.headers, context: context)
    }

    /// The response, or a failure classified by what libcurl reports about how far the transfer got.
    func outcome(of code: CURLcode, context: CurlTransferContext?) -> CurlTransfer.Outcome {
        guard code == CURLE_OK, let context else {
            let evidence = CurlFailureEvidence(
                code: code,
                pretransferMicroseconds: info(offset: CURLINFO_PRETRANSFER_TIME_T) ?? 1,
                requestBytes: info(long: CURLINFO_REQUEST_SIZE) ?? 1,
                headerBytes: info(long: CURLINFO_HEADER_SIZE) ?? 1
            )
            let error = CurlError(code: code, detail: context?.errorDetail)
            return .failure(CurlTransportError(delivery: evidence.delivery, curl: error))
        }
        let status = info(long: CURLINFO_RESPONSE_CODE) ?? 0
        return .success(CurlResponse(status: status, headers: context.headers, body: context.body))
    }

    private static func headerList(for request: CurlRequest) -> UnsafeMutablePointer<curl_slist>? {
        // An empty `Expect:` keeps libcurl from waiting up to a second for "100 Continue" on bodies over 1 KiB.
        let lines = ["Accept: application/json", "Content-Type: application/x-www-form-urlencoded", "Expect:"]
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            list = curl_slist_append(list, line)
        }
        return list
    }

    private func configure(
        for request: CurlRequest,
        options: CurlOptions,
        headers: UnsafeMutablePointer<curl_slist>?,
        context: CurlTransferContext
    ) throws(CurlError) {
        try set(CURLOPT_URL, request.url)
        // Signals cannot be used for timeouts in a multi-threaded process.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, options.totalTimeoutMilliseconds)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // HTTP/2 over TLS where the server offers it, so transfers can share a connection; HTTP/1.1 otherwise.
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        // These are libcurl's defaults; stating them guards against a changed build default.
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        // No CURLOPT_PROXY: libcurl then honours http_proxy, https_proxy and no_proxy from the environment.
        try set(CURLOPT_USERAGENT, options.userAgent)
        try set(CURLOPT_HTTPHEADER, list: headers)
        if let auth = request.basicAuth {
            try set(CURLOPT_HTTPAUTH, ccurl_auth_basic())
            try set(CURLOPT_USERNAME, auth.username)
            try set(CURLOPT_PASSWORD, auth.password)
        }
        try set(CURLOPT_POST, 1)
        try setPostBody(request.formBody)
        let userdata = Unmanaged.passUnretained(context).toOpaque()
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(context.errorBuffer))
        try set(CURLOPT_WRITEDATA, pointer: userdata)
        try set(CURLOPT_WRITEFUNCTION, callback: curlWriteBody)
        try set(CURLOPT_HEADERDATA, pointer: userdata)
        try set(CURLOPT_HEADERFUNCTION, callback: curlReceiveHeader)
    }
}

private func curlWriteBody(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let userdata else { return 0 }
    let context = Unmanaged<CurlTransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    // Returning fewer bytes than offered makes libcurl fail the transfer with CURLE_WRITE_ERROR.
    return context.appendBody(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : 0
}

private func curlReceiveHeader(
    _ buffer: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let userdata else { return 0 }
    let context = Unmanaged<CurlTransferContext>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    context.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}
