import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Checks Twilio's `X-Twilio-Signature` header on webhook requests (HMAC-SHA1 keyed with the auth token).
///
/// The caller rebuilds the URL Twilio requested (configured public base URL + raw path and query); this type only
/// validates. Several tokens may be given so that requests signed with the secondary token keep validating while
/// the primary is being rotated.
public struct WebhookSignatureValidator: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    // Raw bytes rather than `SymmetricKey`, which swift-crypto does not mark Sendable on every platform.
    private let tokens: [[UInt8]]

    /// A validator accepting signatures made with any of `authTokens`; empty tokens are ignored.
    public init(authTokens: [String]) {
        tokens = authTokens.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    public var description: String {
        "WebhookSignatureValidator(\(tokens.count) tokens)"
    }

    public var debugDescription: String {
        description
    }

    /// Validates a form-encoded (or GET) webhook: the signature covers the URL followed by every parameter.
    public func isValid(signature: String, url: String, formParameters: [(name: String, value: String)]) -> Bool {
        let suffix = Self.signedParameters(formParameters)
        return matches(signature: signature, url: url, suffix: suffix)
    }

    /// Validates a webhook with a raw (JSON) body: the URL must carry `bodySHA256`, the hex SHA-256 of `body`,
    /// and the signature covers the URL alone. Without `bodySHA256` the body cannot be verified, so this is false.
    public func isValid(signature: String, url: String, body: [UInt8]) -> Bool {
        guard let expectedHash = WebhookURL.queryValue(named: "bodySHA256", in: url) else { return false }
        let digits = Array("0123456789abcdef".utf8)
        let actualHash = SHA256.hash(data: body).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }
        // Evaluate both checks before combining them, so timing does not reveal which one failed.
        let bodyMatches = ConstantTime.equals(actualHash, Array(expectedHash.lowercased().utf8))
        let signatureMatches = matches(signature: signature, url: url, suffix: [])
        return bodyMatches && signatureMatches
    }

    /// Validates a webhook with a raw body given as text.
    public func isValid(signature: String, url: String, body: String) -> Bool {
        isValid(signature: signature, url: url, body: Array(body.utf8))
    }

    /// The signature Twilio would send for `url` and `formParameters`; for tests and fake servers.
    public static func signature(
        authToken: String,
        url: String,
        formParameters: [(name: String, value: String)] = []
    ) -> String {
        let message = Array(url.utf8) + signedParameters(formParameters)
        return sign(message, key: SymmetricKey(data: Array(authToken.utf8)))
    }

    private func matches(signature: String, url: String, suffix: [UInt8]) -> Bool {
        guard !signature.isEmpty else { return false }
        let presented = Array(signature.utf8)
        let keys = tokens.map { SymmetricKey(data: $0) }
        for candidate in WebhookURL.signingCandidates(for: url) {
            let message = Array(candidate.utf8) + suffix
            for key in keys where ConstantTime.equals(Array(Self.sign(message, key: key).utf8), presented) {
                return true
            }
        }
        return false
    }

    private static func sign(_ message: [UInt8], key: SymmetricKey) -> String {
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key)
        return Data(code).base64EncodedString()
    }

    /// Names in code-point order, each followed by its distinct values in code-point order, as `name + value`.
    ///
    /// Strings are compared as UTF-8 bytes: byte order equals code-point order, and unlike `String ==` it does not
    /// treat canonically equivalent spellings as one value, which Twilio's signer would not either.
    static func signedParameters(_ parameters: [(name: String, value: String)]) -> [UInt8] {
        var valuesByName: [[UInt8]: Set<[UInt8]>] = [:]
        for parameter in parameters {
            valuesByName[Array(parameter.name.utf8), default: []].insert(Array(parameter.value.utf8))
        }
        var output: [UInt8] = []
        for name in valuesByName.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for value in valuesByName[name, default: []].sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                output += name
                output += value
            }
        }
        return output
    }
}

/// Comparison whose duration depends only on the lengths, not on where the inputs differ.
enum ConstantTime {
    static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
