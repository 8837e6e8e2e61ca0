import Crypto

/// A telephone number in E.164 form: `+`, a first digit 1–9, at most 15 digits, as Twilio checks it.
///
/// `description` is masked (`+1***00`) so that interpolating a number into a log line cannot leak it; the full
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

    /// The number with all but three digits hidden: the first and the last two, e.g. `+1***00`.
    ///
    /// Why so few: no log line, with the identifiers in it, may narrow a number down to fewer than a million
    /// candidates. At least six digits stay hidden (10^6 candidates), and the SIDs logged beside a number lose
    /// their bucket in the log (`VerifydLogHandler`), the only part of them derived from the number. The first digit
    /// names the country's zone, the last two tell numbers apart in a busy log often enough. A number too short to
    /// keep six hidden digits that way keeps only its first digit, or nothing.
    public var masked: String { PhoneNumber.mask(e164) }

    /// The rule of `masked` for any text, E.164 or not; the Twilio module applies the same one (`PhoneNumberMask`).
    public static func mask(_ number: String) -> String {
        let characters = Array(number)
        let digits = characters.count - (characters.first == "+" ? 1 : 0)
        let head = characters.first == "+" ? String(characters.prefix(2)) : String(characters.prefix(1))
        if digits >= 9 { return head + "***" + String(characters.suffix(2)) }
        if digits >= 7 { return head + "***" }
        return "***"
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
