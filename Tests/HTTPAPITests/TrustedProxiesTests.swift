import HTTPTypes
import Testing
import VerifyCore

@testable import HTTPAPI

/// The client address a request is counted against: the TCP peer, or behind trusted proxies the right-most
/// `X-Forwarded-For` hop that is not one of them.
@Suite("Trusted proxies")
struct TrustedProxiesTests {
    static let proxies = TrustedProxies(list: "10.0.0.0/8, 2001:db8:ffff::/48")!

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var peer: String?
        var forwardedFor: [String] = []
        var client: String
    }

    @Test(
        "whom a request is counted against",
        arguments: [
            Row(testDescription: "a direct client", peer: "203.0.113.7", client: "203.0.113.7"),
            Row(
                testDescription: "a direct client's own X-Forwarded-For is ignored", peer: "203.0.113.7",
                forwardedFor: ["198.51.100.1"], client: "203.0.113.7"),
            Row(
                testDescription: "behind a proxy", peer: "10.0.0.5", forwardedFor: ["203.0.113.7"],
                client: "203.0.113.7"),
            Row(
                testDescription: "a forged hop left of the real one", peer: "10.0.0.5",
                forwardedFor: ["198.51.100.1, 203.0.113.7"], client: "203.0.113.7"),
            Row(
                testDescription: "two trusted proxies", peer: "10.0.0.5",
                forwardedFor: ["198.51.100.1, 203.0.113.7, 10.1.1.1"], client: "203.0.113.7"),
            Row(
                testDescription: "hops in several headers", peer: "10.0.0.5",
                forwardedFor: ["198.51.100.1", "203.0.113.7", "10.1.1.1"], client: "203.0.113.7"),
            Row(
                testDescription: "a proxy's own request", peer: "10.0.0.5", forwardedFor: [], client: "10.0.0.5"),
            Row(
                testDescription: "only trusted hops", peer: "10.0.0.5", forwardedFor: ["10.9.9.9, 10.1.1.1"],
                client: "10.9.9.9"),
            Row(
                testDescription: "a hop that is no address stops at the proxy that wrote it", peer: "10.0.0.5",
                forwardedFor: ["203.0.113.7, 10.1.1.1, garbage"], client: "10.0.0.5"),
            Row(
                testDescription: "an IPv6 client behind a proxy, per /64", peer: "10.0.0.5",
                forwardedFor: ["2001:db8:1:2::99"], client: "2001:db8:1:2::/64"),
            Row(
                testDescription: "an IPv6 proxy", peer: "2001:db8:ffff:1::1", forwardedFor: ["203.0.113.7"],
                client: "203.0.113.7"),
            Row(
                testDescription: "an IPv4-mapped peer", peer: "::ffff:10.0.0.5", forwardedFor: ["203.0.113.7"],
                client: "203.0.113.7"),
            Row(testDescription: "no peer address", peer: nil, forwardedFor: ["203.0.113.7"], client: "unknown"),
        ])
    func client(_ row: Row) {
        let peer = row.peer.flatMap { IPAddress($0) }
        var headers = HTTPFields()
        for value in row.forwardedFor { headers.append(HTTPField(name: .xForwardedFor, value: value)) }
        #expect(Self.proxies.client(peer: peer, headers: headers).description == row.client)
    }

    @Test("without trusted proxies, X-Forwarded-For is never read")
    func noneTrusted() {
        let none = TrustedProxies([])
        let headers: HTTPFields = [.xForwardedFor: "203.0.113.7"]
        #expect(none.client(peer: IPAddress("10.0.0.5"), headers: headers).description == "10.0.0.5")
    }

    @Test("a list with any entry that is not an address or a block is refused")
    func badList() {
        #expect(TrustedProxies(list: "10.0.0.0/8, nope") == nil)
        #expect(TrustedProxies(list: "10.0.0.0/8,,::1")?.networks.count == 2)
    }
}
