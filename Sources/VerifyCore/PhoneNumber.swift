import Crypto

/// A telephone number in E.164 form: `+`, a first digit 1–9, at most 15 digits, as Twilio checks it.
///
/// `description` is masked (`+1415***0100`) so that interpolating a number into a log line cannot leak it; the full
/// form is `e164`, to be used where the number is data, not text for people.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    public let e164: String

    /// Accepts exactly E.164, nothing lenient: the Verify API answers 60200 for anything else.
    /// Inlinable so that callers in other modules get it specialised for `String`: unspecialised, its generic
    /// collection calls cost about 18,000 instructions per request.
    @inlinable
    public init?(e164 string: some StringProtocol) {
        let utf8 = string.utf8
        guard (3...16).contains(utf8.count), utf8.first == UInt8(ascii: "+"),
            let first = utf8.dropFirst().first, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first),
            utf8.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        self.e164 = String(string)
    }

    /// The number with its middle hidden: the first five and last four characters stay, e.g. `+1415***0100`.
    public var masked: String {
        // Too short to keep both ends without showing every digit: keep only the country code's first digit.
        guard e164.count > 9 else { return String(e164.prefix(2)) + "***" }
        return String(e164.prefix(5)) + "***" + String(e164.suffix(4))
    }

    public var description: String { masked }

    /// A stable 16-bit bucket of the number (the first two bytes of its SHA-256). Rows are keyed by it so a later
    /// move to sharding by phone number can route every statement; 16 bits say almost nothing about the number.
    public var bucket: Int {
        let digest = SHA256.hash(data: Array(e164.utf8))
        var iterator = digest.makeIterator()
        let high = Int(iterator.next() ?? 0)
        let low = Int(iterator.next() ?? 0)
        return high << 8 | low
    }
}
