import Crypto

/// A client's `Idempotency-Key`, checked: 1 to 255 of letters, digits and `-_.:~+/=` (UUIDs, ULIDs and base64 fit),
/// nothing a header, a log line or a shell could misread.
public struct IdempotencyKey: Sendable, Hashable {
    public let rawValue: String

    public init?(_ text: some StringProtocol) {
        guard (1...255).contains(text.utf8.count),
            text.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("-_.:~+/=".utf8).contains(byte)
            })
        else { return nil }
        self.rawValue = String(text)
    }

    /// The bucket the stored answer is kept under: of the key, not of a phone, so that a key reused for another
    /// number is found (and refused). Unkeyed, since the key is the client's random value and says nothing about
    /// a number.
    public var bucket: Int {
        let digest = Array(SHA256.hash(data: Array(rawValue.utf8)))
        return Int(digest[0]) << 8 | Int(digest[1])
    }
}

/// A start or check sent under an `Idempotency-Key`: who sent it, what it asked, and how its answer is written down,
/// inside the action's transaction, so that a retry can be given the same answer.
public struct IdempotentRequest: Sendable {
    public var key: IdempotencyKey
    /// The authenticated credential (`root` or an API key SID): another credential's key is another key.
    public var credential: String
    /// A digest of the route and every parameter; a reuse of the key with another fingerprint is refused.
    public var fingerprint: [UInt8]
    /// The answer to store when the action commits.
    public var answer: @Sendable (Verification) -> StoredAnswer

    /// The fingerprint of `fields` (the route, then each parameter's name and values): SHA-256 over the fields, each
    /// length-prefixed, so that no two different lists share a digest. It may cover a guessed `Code`. Unkeyed is safe
    /// for that: an answer is stored only when the check ran, so the code in it was wrong, or right and thereby used
    /// up; knowing it approves nothing.
    public static func fingerprint(_ fields: [String]) -> [UInt8] {
        var hash = SHA256()
        for field in fields {
            let bytes = Array(field.utf8)
            let count = UInt32(bytes.count)
            hash.update(data: [
                UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF),
            ])
            hash.update(data: bytes)
        }
        return Array(hash.finalize())
    }

    public init(
        key: IdempotencyKey, credential: String, fingerprint: [UInt8],
        answer: @escaping @Sendable (Verification) -> StoredAnswer
    ) {
        self.key = key
        self.credential = credential
        self.fingerprint = fingerprint
        self.answer = answer
    }
}

/// An HTTP answer as it was given: status and body.
public struct StoredAnswer: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// What a request under an idempotency key led to: this request acted, or an earlier one had and its answer stands.
public enum IdempotentOutcome<Value: Sendable>: Sendable {
    case acted(Value)
    case replayed(StoredAnswer)

    /// The value of a request sent without a key, which always acts.
    var acted: Value {
        get throws {
            guard case .acted(let value) = self else {
                throw VerifyError(.invalidParameter("Idempotency-Key"))
            }
            return value
        }
    }
}
