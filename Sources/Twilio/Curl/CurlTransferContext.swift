import CCurl

/// Per-transfer state that libcurl's C callbacks reach through their `userdata` pointer.
///
/// Only the transfer loop's thread touches it: libcurl runs the callbacks inside `curl_multi_perform`.
final class CurlTransferContext {
    let maximumBodyBytes: Int
    private(set) var body: [UInt8] = []
    private(set) var headers: [(name: String, value: String)] = []
    /// `CURLOPT_ERRORBUFFER` storage; libcurl writes into it during the transfer.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
        let size = ccurl_error_size()
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit {
        errorBuffer.deallocate()
    }

    var errorDetail: String {
        String(cString: errorBuffer)
    }

    /// Returns false when the body would grow past the limit, which makes libcurl abort the transfer.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= maximumBodyBytes else { return false }
        body.append(contentsOf: bytes)
        return true
    }

    /// Takes one raw header line as libcurl delivers it.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        // Every status line starts a new header block: interim 100 responses and a proxy's CONNECT reply come
        // before the real one, and only the final block describes Twilio's answer.
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        // Byte-wise: header lines are ASCII where it matters, and Character-wise searching cost more than the rest
        // of the response's handling.
        guard let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = line[..<colon].trimmingWhitespace()
        let value = line[line.utf8.index(after: colon)...].trimmingWhitespace()
        guard !name.isEmpty else { return }
        headers.append((name: name, value: value))
    }
}

extension Substring {
    /// Drops spaces, tabs and line breaks (CR and LF) at both ends.
    func trimmingWhitespace() -> String {
        let isBlank = { (byte: UInt8) in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
        }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) })
        else {
            return ""
        }
        return String(self[first...last])
    }
}
