/// Whom failed authentications are counted against: an IPv4 address, or the /64 an IPv6 address belongs to (a
/// subscriber's usual allocation, so nobody can step around the limit by rotating addresses within their own).
struct ClientAddress: Hashable, Sendable, CustomStringConvertible {
    /// Nil for a peer without an IP address (a Unix socket, an in-process test client).
    let network: IPAddress?

    init(_ address: IPAddress?) {
        network = address.map { $0.isIPv4 ? $0 : $0.masked(toPrefix: 64) }
    }

    /// `203.0.113.7`, `2001:db8:1:2::/64`, or `unknown`: the key the counter is stored under and what logs show.
    var description: String {
        guard let network else { return "unknown" }
        return network.isIPv4 ? network.description : "\(network)/64"
    }
}
