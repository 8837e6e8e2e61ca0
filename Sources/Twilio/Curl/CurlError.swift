import CCurl

/// A libcurl failure: the `CURLcode` and libcurl's fixed text for it.
///
/// libcurl's per-transfer error buffer can name hosts and ports, so it is kept apart in `detail` and only reaches
/// `debugDescription`.
struct CurlError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The raw `CURLcode` value.
    let code: Int
    /// The transfer's error buffer, when libcurl filled it.
    let detail: String?

    init(code: CURLcode, detail: String? = nil) {
        self.code = Int(code.rawValue)
        self.detail = detail.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// libcurl's static explanation of the code; never contains request data.
    var summary: String {
        String(cString: curl_easy_strerror(CURLcode(UInt32(clamping: code))))
    }

    var description: String {
        "curl error \(code) (\(summary))"
    }

    var debugDescription: String {
        guard let detail else { return description }
        return "\(description): \(detail)"
    }
}

/// The one place a libcurl return code becomes a Swift error.
func check(_ result: CURLcode) throws(CurlError) {
    guard result == CURLE_OK else {
        throw CurlError(code: result)
    }
}
