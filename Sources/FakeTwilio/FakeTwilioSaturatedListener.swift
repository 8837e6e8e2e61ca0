#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(Glibc)
    private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
    private let streamSocketType = SOCK_STREAM
#endif

/// A loopback port where TCP connections never complete, for "timed out while connecting" tests without leaving
/// the machine.
///
/// The socket listens with a backlog of zero and never accepts; one filler connection occupies the only queue
/// slot, after which Linux silently drops further SYNs, so a client's connect hangs until its own timeout.
public final class FakeTwilioSaturatedListener: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    private let listener: Int32
    private let filler: Int32

    /// Binds, listens and fills the queue; throws if a socket call fails.
    public init() throws {
        let listener = socket(AF_INET, streamSocketType, 0)
        guard listener >= 0 else { throw FakeTwilioSocketError(operation: "socket", code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && listen(listener, 0) == 0
                    && getsockname(listener, generic, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(listener)
            throw FakeTwilioSocketError(operation: "bind/listen", code: code)
        }
        let filler = socket(AF_INET, streamSocketType, 0)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                connect(filler, generic, length) == 0
            }
        }
        guard filler >= 0, connected else {
            let code = errno
            close(listener)
            if filler >= 0 { close(filler) }
            throw FakeTwilioSocketError(operation: "connect", code: code)
        }
        self.listener = listener
        self.filler = filler
        self.baseURL = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
    }

    deinit {
        close(filler)
        close(listener)
    }
}

/// A socket call failed while setting up a test listener.
public struct FakeTwilioSocketError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    public var description: String {
        "\(operation) failed with errno \(code)"
    }
}
