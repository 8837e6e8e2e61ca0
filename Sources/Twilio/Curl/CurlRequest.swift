/// One form-encoded HTTP POST for `CurlHTTPClient`: all verifyd asks of Twilio is to create messages and calls.
struct CurlRequest: Sendable {
    /// Username and password for HTTP Basic authentication.
    struct BasicAuth: Sendable {
        let username: String
        let password: String
    }

    var url: String
    var basicAuth: BasicAuth?
    /// Sent as `application/x-www-form-urlencoded`.
    var formBody: [UInt8]

    static func post(_ url: String, basicAuth: BasicAuth?, formBody: [UInt8]) -> CurlRequest {
        CurlRequest(url: url, basicAuth: basicAuth, formBody: formBody)
    }
}

/// The status, headers and body of a completed HTTP exchange.
struct CurlResponse: Sendable {
    let status: Int
    /// Header fields of the final response, in arrival order, names as sent.
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// The first value of the header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// Limits and identity applied to every transfer.
struct CurlOptions: Sendable {
    var connectTimeoutMilliseconds: Int
    var totalTimeoutMilliseconds: Int
    var userAgent: String
    /// Larger bodies abort the transfer: nothing Twilio returns for one resource comes close.
    var maximumResponseBytes: Int = 1 << 20
}
