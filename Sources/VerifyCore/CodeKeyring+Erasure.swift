import Crypto

extension CodeKeyring {
    /// What an erased number that had opted out is remembered by: HMAC-SHA256 of the number with a key derived
    /// from each configured master key, current first (`erasedPhoneDigests(of:)[0]` is what an erasure stores). A
    /// plain hash of a phone number is undone by trying every number; without the key the row names nobody. Lookups
    /// try every configured key, so a rotation keeps the opt-out while the old key is listed as previous.
    public func erasedPhoneDigests(of phone: PhoneNumber) -> [[UInt8]] {
        all.map { keys in
            Array(
                HMAC<SHA256>.authenticationCode(
                    for: Array(phone.e164.utf8), using: SymmetricKey(data: keys.erasedBytes)))
        }
    }
}
