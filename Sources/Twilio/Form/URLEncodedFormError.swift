/// A form body that is not valid `application/x-www-form-urlencoded` UTF-8 text.
///
/// The description names the problem and its byte offset only, never the body's content.
public struct URLEncodedFormError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong; new kinds may be added.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case invalidPercentEncoding
            case invalidUTF8
        }

        private let base: Base

        /// A `%` not followed by two hexadecimal digits.
        public static let invalidPercentEncoding = Kind(base: .invalidPercentEncoding)
        /// Percent-decoded bytes that are not UTF-8.
        public static let invalidUTF8 = Kind(base: .invalidUTF8)

        public var description: String {
            switch base {
            case .invalidPercentEncoding: "invalid percent-encoding"
            case .invalidUTF8: "invalid UTF-8"
            }
        }
    }

    /// What was wrong.
    public let kind: Kind
    /// Byte offset in the body of the offending `%` or of the field part that is not UTF-8.
    public let offset: Int

    init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        "form body has \(kind) at byte \(offset)"
    }
}
