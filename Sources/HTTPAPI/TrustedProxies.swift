import Foundation
import HTTPTypes
import NIOCore
import VerifyCore

/// The balancers and proxies whose `X-Forwarded-For` is believed (`VERIFYD_TRUSTED_PROXIES`), and the client address
/// a request is counted against.
public struct TrustedProxies: Sendable, Equatable {
    let networks: [IPNetwork]

    init(_ networks: [IPNetwork]) {
        self.networks = networks
    }

    /// No proxy is trusted: `X-Forwarded-For` is never read.
    public static let none = TrustedProxies([])

    /// A comma-separated list of addresses and CIDR blocks; nil when any entry is neither.
    public init?(list: String) {
        let networks = list.split(separator: ",").map { IPNetwork($0.trimmingCharacters(in: .whitespaces)) }
        guard !networks.contains(where: { $0 == nil }) else { return nil }
        self.init(networks.compactMap { $0 })
    }

    func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The TCP peer, unless it is a trusted proxy: then the right-most `X-Forwarded-For` hop that is not one. Each
    /// proxy appends the address it was connected from, so everything left of the first untrusted hop from the right
    /// was written by the client and may be anything. A hop that is no IP address stops the walk at the trusted proxy
    /// that wrote it; a chain of trusted hops only ends at its left-most one.
    func client(peer: IPAddress?, headers: HTTPFields) -> ClientAddress {
        guard var client = peer, trusts(client) else { return ClientAddress(peer) }
        for header in headers[values: .xForwardedFor].reversed() {
            for hop in header.split(separator: ",").reversed() {
                guard let address = IPAddress(hop.trimmingCharacters(in: .whitespaces)) else {
                    return ClientAddress(client)
                }
                client = address
                if !trusts(address) { return ClientAddress(address) }
            }
        }
        return ClientAddress(client)
    }
}

extension IPAddress {
    /// The address of an IPv4 or IPv6 socket; nil for a Unix socket. Read through NIO's text form: the `sockaddr`
    /// fields belong to a module of NIO's that this one does not import (a release build refuses them).
    init?(_ socket: SocketAddress) {
        guard let text = socket.ipAddress, let parsed = IPAddress(text) else { return nil }
        self = parsed
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
