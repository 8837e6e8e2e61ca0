import Crypto
import Foundation

/// The keys that protect stored codes. A code is kept as an HMAC-SHA256 bound to its verification, and, while the
/// verification is pending, as an AES-GCM ciphertext so that any instance can re-send it or read it to a voice call.
///
/// Both keys come from one master key (`VERIFYD_CODE_KEY`) through HKDF with distinct labels. Each verification
/// records the id of the master key that sealed it; older master keys (`VERIFYD_CODE_KEY_PREVIOUS`) stay usable for
/// checking and re-sending until their verifications are gone.
public struct CodeKeyring: Sendable {
    /// Derived key bytes; `SymmetricKey` is not `Sendable`, so keys are rebuilt from bytes where they are used.
    struct Keys: Sendable {
        let id: String
        let hmacBytes: [UInt8]
        let encryptionBytes: [UInt8]

        var hmac: SymmetricKey { SymmetricKey(data: hmacBytes) }
        var encryption: SymmetricKey { SymmetricKey(data: encryptionBytes) }
    }

    let current: Keys
    private let byID: [String: Keys]

    public struct InvalidKey: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - current: the master key, 32 bytes.
    ///   - previous: earlier master keys, still accepted for reading.
    public init(current: [UInt8], previous: [[UInt8]] = []) throws(InvalidKey) {
        for key in [current] + previous where key.count != 32 {
            throw InvalidKey(description: "a code key must be 32 bytes, got \(key.count)")
        }
        self.current = Self.derive(from: current)
        var byID: [String: Keys] = [:]
        for keys in ([current] + previous).map(Self.derive) where byID[keys.id] == nil {
            byID[keys.id] = keys
        }
        self.byID = byID
    }

    /// The id stored with verifications sealed now.
    public var currentKeyID: String { current.id }

    /// Protects `code` for storage with verification `sid`.
    public func seal(_ code: OneTimeCode, for sid: VerificationSid) throws(InvalidKey) -> SealedCode {
        let hash = Self.authenticate(code, for: sid, with: current.hmac)
        // AES-GCM with a fresh random nonce; the SID is authenticated data, so a ciphertext copied onto another
        // verification fails to open.
        guard
            let box = try? AES.GCM.seal(
                Array(code.revealed.utf8), using: current.encryption, authenticating: Array(sid.rawValue.utf8)),
            let combined = box.combined
        else { throw InvalidKey(description: "could not encrypt a code") }
        return SealedCode(keyID: current.id, hash: hash, ciphertext: Array(combined))
    }

    /// Constant-time comparison of `candidate` with the stored HMAC; false for an unknown key id.
    public func matches(_ candidate: OneTimeCode, stored: StoredCode) -> Bool {
        guard let keys = byID[stored.keyID] else { return false }
        let message = Self.message(candidate, for: stored.verificationSid)
        return HMAC<SHA256>.isValidAuthenticationCode(stored.hash, authenticating: message, using: keys.hmac)
    }

    /// Recovers a pending verification's code, to send it again or read it to a call.
    public func open(_ ciphertext: [UInt8], keyID: String, for sid: VerificationSid) throws(InvalidKey) -> OneTimeCode {
        guard let keys = byID[keyID] else { throw InvalidKey(description: "code key \(keyID) is not configured") }
        do {
            let box = try AES.GCM.SealedBox(combined: ciphertext)
            let plain = try AES.GCM.open(box, using: keys.encryption, authenticating: Array(sid.rawValue.utf8))
            guard let code = OneTimeCode(String(decoding: plain, as: UTF8.self)) else {
                throw InvalidKey(description: "a stored code is malformed")
            }
            return code
        } catch let error as InvalidKey {
            throw error
        } catch {
            throw InvalidKey(description: "a stored code failed authentication")
        }
    }

    private static func derive(from master: [UInt8]) -> Keys {
        let input = SymmetricKey(data: master)
        func key(_ label: String) -> [UInt8] {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: input, salt: Array("verifyd".utf8), info: Array(label.utf8), outputByteCount: 32
            ).withUnsafeBytes { Array($0) }
        }
        let id = key("verifyd key id v1").prefix(4).map { String(format: "%02x", $0) }.joined()
        return Keys(id: id, hmacBytes: key("verifyd code hmac v1"), encryptionBytes: key("verifyd code aes-gcm v1"))
    }

    private static func message(_ code: OneTimeCode, for sid: VerificationSid) -> [UInt8] {
        // The SID and a separator come first so that no (sid, code) pair can collide with another.
        Array(sid.rawValue.utf8) + [0] + Array(code.revealed.utf8)
    }

    private static func authenticate(_ code: OneTimeCode, for sid: VerificationSid, with key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message(code, for: sid), using: key))
    }
}

/// What storage keeps for a new code.
public struct SealedCode: Sendable, Equatable {
    public let keyID: String
    public let hash: [UInt8]
    public let ciphertext: [UInt8]
}

/// What storage hands back to compare a candidate code with.
public struct StoredCode: Sendable, Equatable {
    public let verificationSid: VerificationSid
    public let keyID: String
    public let hash: [UInt8]

    public init(verificationSid: VerificationSid, keyID: String, hash: [UInt8]) {
        self.verificationSid = verificationSid
        self.keyID = keyID
        self.hash = hash
    }
}
