import Foundation

/// How this process names itself in delivery leases, for operators reading the outbox: host name and process id.
enum InstanceIdentity {
    static let current = "\(hostName)/\(getpid())"

    /// `gethostname` itself: Foundation's `hostName` may ask DNS for a canonical name, a network call for a label.
    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
