import Foundation

/// How this process names itself in delivery leases, for operators reading the outbox: host name and process id.
enum InstanceIdentity {
    static let current = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
}
