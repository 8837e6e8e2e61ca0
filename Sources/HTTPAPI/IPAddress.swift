#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits, IPv4 in its IPv4-mapped form (`::ffff:203.0.113.7`): an IPv4 client that
/// reaches a dual-stack listener is then the same address as one that reaches an IPv4 listener.
struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    let high: UInt64
    let low: UInt64

    private static let mappedPrefix: UInt64 = 0xFFFF_0000_0000

    /// From the 4 or 16 bytes of an address in network order.
    init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self.init(high: 0, low: Self.mappedPrefix | Self.integer(bytes))
        case 16: self.init(high: Self.integer(bytes.prefix(8)), low: Self.integer(bytes.dropFirst(8)))
        default: return nil
        }
    }

    /// A plain IPv4 or IPv6 address by the C library's parser, which refuses zones, prefixes, ports and the leading
    /// zeros some parsers read as octal.
    init?(_ text: some StringProtocol) {
        let text = String(text)
        // The C parser would stop at a NUL and accept what came before it.
        guard !text.utf8.contains(0) else { return nil }
        var storage = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &storage) == 1 {
            self.init(bytes: storage.prefix(4))
        } else if inet_pton(AF_INET6, text, &storage) == 1 {
            self.init(bytes: storage)
        } else {
            return nil
        }
    }

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The address with all but its first `bits` bits zeroed, counted in its own family: 0–32 for IPv4, 0–128 for
    /// IPv6.
    func masked(toPrefix bits: Int) -> IPAddress {
        let bits = isIPv4 ? 96 + min(max(bits, 0), 32) : min(max(bits, 0), 128)
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> bits) }
        return IPAddress(high: high & mask(bits), low: low & mask(bits - 64))
    }

    /// The canonical text form (`203.0.113.7`, `2001:db8::1`).
    var description: String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        let family = isIPv4 ? AF_INET : AF_INET6
        let address = isIPv4 ? Array(bytes[12...]) : bytes
        var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, address, &output, socklen_t(output.count)) != nil else { return "?" }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func integer(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// An address block, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let base: IPAddress
    /// Counted in the base address's family.
    let prefix: Int

    /// Refuses a block whose address has bits set past its prefix (`10.1.0.0/8`): it is usually a typo.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var prefix = maximum
        if parts.count == 2 {
            guard let given = Int(parts[1]), parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                (0...maximum).contains(given)
            else { return nil }
            prefix = given
        }
        guard address.masked(toPrefix: prefix) == address else { return nil }
        self.base = address
        self.prefix = prefix
    }

    func contains(_ address: IPAddress) -> Bool {
        address.isIPv4 == base.isIPv4 && address.masked(toPrefix: prefix) == base
    }

    var description: String { "\(base)/\(prefix)" }
}
