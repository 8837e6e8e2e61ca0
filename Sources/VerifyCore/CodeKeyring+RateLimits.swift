import Crypto

extension CodeKeyring {
    /// The digest a rate-limit value's counters are stored under: HMAC-SHA256 with a key derived from the current
    /// master key. A plain hash of an IPv4 address or an account number is undone by trying every candidate; without
    /// the key, the database says nothing about whom it counted. A new master key starts the counters afresh, which
    /// costs one window of limits at most.
    public func rateLimitDigest(of value: String) -> [UInt8] {
        let key = SymmetricKey(data: current.rateLimitBytes)
        return Array(HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: key))
    }
}
