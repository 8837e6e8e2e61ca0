import Crypto

extension CodeKeyring {
    /// The digest a rate-limit value's counters are stored under: HMAC-SHA256 with a key derived from the current
    /// master key. A plain hash of an IPv4 address or an account number is undone by trying every candidate; without
    /// the key, the database says nothing about whom it counted. A new master key starts the counters afresh, which
    /// costs one window of limits at most.
    public func rateLimitDigest(of value: String) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: current.hmac, salt: Array("verifyd".utf8), info: Array("verifyd rate limit v1".utf8),
            outputByteCount: 32)
        return Array(HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: key))
    }
}
