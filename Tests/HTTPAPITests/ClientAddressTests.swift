import Testing

@testable import HTTPAPI

@Suite("Client addresses")
struct ClientAddressTests {
    @Test(
        "what a failure is counted against",
        arguments: [
            ("203.0.113.7", "203.0.113.7"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::1", "::/64"),
        ])
    func key(_ address: String, _ expected: String) throws {
        let parsed = try #require(IPAddress(address))
        #expect(ClientAddress(parsed).description == expected)
    }

    @Test("no IP address is one address of its own")
    func unknown() {
        #expect(ClientAddress(nil).description == "unknown")
        #expect(ClientAddress(nil) == ClientAddress(nil))
    }

    @Test(
        "only plain addresses parse",
        arguments: [
            "", "203.0.113", "203.0.113.256", "0203.0.113.7", "203.0.113.7:80", "[2001:db8::1]", "2001:db8::1%eth0",
            "2001:db8::/64", "203.0.113.7\u{0}", " 203.0.113.7", "example.com",
        ])
    func refused(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("addresses print in their canonical form")
    func canonical() throws {
        #expect(try #require(IPAddress("2001:DB8:0:0::0:1")).description == "2001:db8::1")
        #expect(try #require(IPAddress("::ffff:10.0.0.1")).description == "10.0.0.1")
        #expect(try #require(IPAddress("10.0.0.1")).isIPv4)
        #expect(try #require(IPAddress("::1")).isIPv4 == false)
    }

    struct Membership: Sendable, CustomTestStringConvertible {
        var network: String
        var address: String
        var contained: Bool
        var testDescription: String { "\(address) in \(network): \(contained)" }
    }

    @Test(
        "a network holds the addresses under its prefix, in its own family",
        arguments: [
            Membership(network: "10.0.0.0/8", address: "10.255.1.2", contained: true),
            Membership(network: "10.0.0.0/8", address: "11.0.0.1", contained: false),
            Membership(network: "10.0.0.0/8", address: "::ffff:10.0.0.1", contained: true),
            Membership(network: "127.0.0.1", address: "127.0.0.1", contained: true),
            Membership(network: "127.0.0.1", address: "127.0.0.2", contained: false),
            Membership(network: "0.0.0.0/0", address: "198.51.100.1", contained: true),
            Membership(network: "0.0.0.0/0", address: "2001:db8::1", contained: false),
            Membership(network: "::/0", address: "10.0.0.1", contained: false),
            Membership(network: "2001:db8::/32", address: "2001:db8:ffff::1", contained: true),
            Membership(network: "2001:db8::/32", address: "2001:db9::1", contained: false),
            Membership(network: "::1", address: "::1", contained: true),
            Membership(network: "fd00::/8", address: "fdff::1", contained: true),
        ])
    func membership(_ row: Membership) throws {
        let network = try #require(IPNetwork(row.network))
        #expect(network.contains(try #require(IPAddress(row.address))) == row.contained)
    }

    @Test(
        "a network with bits past its prefix, a prefix too long or no address is refused",
        arguments: ["10.1.0.0/8", "10.0.0.0/33", "2001:db8::1/32", "::/129", "10.0.0.0/", "10.0.0.0/+8", "/8", "x/8"])
    func badNetwork(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
