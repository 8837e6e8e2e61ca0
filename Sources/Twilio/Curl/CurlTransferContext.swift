import CCurl
import Synchronization

/// Per-transfer state that libcurl's C callbacks reach through their `userdata` pointer.
///
/// It lives on one thread-pool thread for the length of one `curl_easy_perform`; only `cancellation` is touched from
/// other threads, and that is atomic.
final class CurlTransferContext {
    let cancellation: CurlCancellation
    let maximumBodyBytes: Int
    private(set) var body: [UInt8] = []
    private(set) var headers: [(name: String, value: String)] = []
    /// `CURLOPT_ERRORBUFFER` storage; libcurl writes into it during the transfer.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(maximumBodyBytes: Int, cancellation: CurlCancellation) {
        self.maximumBodyBytes = maximumBodyBytes
        self.cancellation = cancellation
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
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingWhitespace()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        guard !name.isEmpty else { return }
        headers.append((name: name, value: value))
    }
}

/// A flag the awaiting task raises when it is cancelled; the progress callback polls it and aborts the transfer.
final class CurlCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool {
        flag.load(ordering: .relaxed)
    }

    func cancel() {
        flag.store(true, ordering: .relaxed)
    }
}

extension Substring {
    /// Drops spaces, tabs and line breaks (including the `\r\n` pair) at both ends.
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else {
            return ""
        }
        return String(self[first...last])
    }
}
