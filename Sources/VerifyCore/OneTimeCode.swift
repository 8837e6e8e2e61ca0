/// A one-time code. It never prints itself: `description`, `debugDescription` and reflection all show a placeholder,
/// so a code that reaches a log line by accident shows nothing. Only `revealed` gives the digits, for the
/// message that carries them to the phone and for sealing.
public struct OneTimeCode: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The characters of the code; named so that every use is easy to find and review.
    public let revealed: String

    public static let lengths = 4...10

    /// A code of `length` decimal digits, uniform over 0..<10^length (no modulo bias), zero-padded.
    public static func generate(length: Int, using generator: inout some RandomNumberGenerator) -> OneTimeCode {
        precondition(lengths.contains(length), "code length out of range")
        var bound: UInt64 = 1
        for _ in 0..<length { bound *= 10 }
        let value = String(UInt64.random(in: 0..<bound, using: &generator))
        return OneTimeCode(revealed: String(repeating: "0", count: length - value.count) + value)
    }

    /// A code from the system CSPRNG (`getrandom` on Linux).
    public static func generate(length: Int) -> OneTimeCode {
        var generator = SystemRandomNumberGenerator()
        return generate(length: length, using: &generator)
    }

    /// A code chosen by the caller (`CustomCode`, or a code being checked): 4–10 ASCII letters or digits.
    public init?(_ text: some StringProtocol) {
        guard Self.lengths.contains(text.utf8.count), text.utf8.allSatisfy(Self.isAllowed) else { return nil }
        self.revealed = String(text)
    }

    private init(revealed: String) { self.revealed = revealed }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    public var description: String { "<code>" }
    public var debugDescription: String { "<code>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
