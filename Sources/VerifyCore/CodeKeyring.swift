import Crypto
import Foundation

/// The keys that protect stored codes. A code is kept as an HMAC-SHA256 bound to its service and phone number, and,
/// while the verification is pending, as an AES-GCM ciphertext bound to the verification, so that any instance can
/// re-send it or read it to a voice call.
///
/// Why the HMAC is bound to (service, phone) and not to the verification SID: a check by phone number is decided in
/// one statement (`verifyd_check`, migration 0002), so the candidate's HMAC must exist before the query,
/// when only the service and the number are known. This binding keeps what the SID binding gave:
/// - Without the key a hash says nothing: the key has 256 bits, so the ~20 bits of a code cannot be searched offline.
/// - Equal hashes need the same (service, phone, code). The message is the service SID (fixed length), NUL, the
///   number (digits), NUL, the code, so different triples never share a message, and HMAC outputs of different
///   messages collide with negligible probability. A database reader who knows the codes sent to their own number
///   and sees those rows' hashes therefore never finds an equal hash on another number's rows: what they know never
///   carries over to another phone.
/// - Within one (service, phone), two verifications whose codes happen to be equal have equal hashes. That tells a
///   reader only what the owner of that number already knows, and for random codes it happens with the chance of
///   guessing one (10^-6 for six digits); custom codes are chosen by the API caller, who knows them anyway.
/// - A code still approves only the verification it was sent for: storage compares it with the one live
///   verification of the (service, phone) only, and a later verification of the same number has a fresh code.
/// - The ciphertext stays bound to the SID (AES-GCM additional data), so a ciphertext copied onto another
///   verification fails to open.
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
        /// The keys of `rateLimitDigest` and `erasedPhoneDigests`, derived once: deriving the first on every call was
        /// an eighth of a check's instructions (bench/request-instructions.sh), and a start derived both.
        let rateLimitBytes: [UInt8]
        let erasedBytes: [UInt8]

        var hmac: SymmetricKey { SymmetricKey(data: hmacBytes) }
        var encryption: SymmetricKey { SymmetricKey(data: encryptionBytes) }
    }

    let current: Keys
    private let byID: [String: Keys]
    /// Current key first, then the previous ones: the order `candidates` computes in.
    let all: [Keys]

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
        var all: [Keys] = []
        for keys in ([current] + previous).map(Self.derive) where byID[keys.id] == nil {
            byID[keys.id] = keys
            all.append(keys)
        }
        self.byID = byID
        self.all = all
    }

    /// The id stored with verifications sealed now.
    public var currentKeyID: String { current.id }

    /// Protects `code` for storage: its HMAC bound to `service` and `phone`, its ciphertext bound to `sid`.
    public func seal(_ code: OneTimeCode, sid: VerificationSid, service: ServiceSid, phone: PhoneNumber)
        throws(InvalidKey) -> SealedCode
    {
        let hash = Self.authenticate(code, service: service, phone: phone, with: current.hmac)
        // AES-GCM with a fresh random nonce; the SID is authenticated data, so a ciphertext copied onto another
        // verification fails to open.
        guard
            let box = try? AES.GCM.seal(
                Array(code.revealed.utf8), using: current.encryption, authenticating: Array(sid.rawValue.utf8)),
            let combined = box.combined
        else { throw InvalidKey(description: "could not encrypt a code") }
        return SealedCode(keyID: current.id, hash: hash, ciphertext: Array(combined))
    }

    /// The HMAC of `candidate` under every configured key, for storage to compare with the stored hash of the key
    /// that sealed the live verification. Computed before storage is asked, so the compare needs no second trip.
    public func candidates(_ candidate: OneTimeCode, service: ServiceSid, phone: PhoneNumber) -> CodeCandidates {
        CodeCandidates(
            keyIDs: all.map(\.id),
            hashes: all.map { Self.authenticate(candidate, service: service, phone: phone, with: $0.hmac) })
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
        func key(_ label: String, from input: SymmetricKey) -> [UInt8] {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: input, salt: Array("verifyd".utf8), info: Array(label.utf8), outputByteCount: 32
            ).withUnsafeBytes { Array($0) }
        }
        let input = SymmetricKey(data: master)
        // The HMAC label is v2 since its message became (service, phone, code); a v1 hash never matches.
        let id = key("verifyd key id v1", from: input).prefix(4).map { String(format: "%02x", $0) }.joined()
        let hmac = key("verifyd code hmac v2", from: input)
        return Keys(
            id: id, hmacBytes: hmac, encryptionBytes: key("verifyd code aes-gcm v1", from: input),
            // Derived from the HMAC key, as they always were, so the stored digests stay what they were.
            rateLimitBytes: key("verifyd rate limit v1", from: SymmetricKey(data: hmac)),
            erasedBytes: key("verifyd erased phone v1", from: SymmetricKey(data: hmac)))
    }

    private static func authenticate(
        _ code: OneTimeCode, service: ServiceSid, phone: PhoneNumber, with key: SymmetricKey
    ) -> [UInt8] {
        // NUL separators: the SID and the number never contain one, so no two triples share a message.
        let message = Array(service.rawValue.utf8) + [0] + Array(phone.e164.utf8) + [0] + Array(code.revealed.utf8)
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}

/// What storage keeps for a new code.
public struct SealedCode: Sendable, Equatable {
    public let keyID: String
    public let hash: [UInt8]
    public let ciphertext: [UInt8]
}

/// A candidate code's HMAC under each configured key (current first), as parallel lists. The code itself never
/// reaches storage.
public struct CodeCandidates: Sendable, Equatable {
    public let keyIDs: [String]
    public let hashes: [[UInt8]]

    /// The candidate's HMAC under `keyID`, or nil when that key is not configured: the rule storage applies to a
    /// stored hash sealed with `keyID`.
    public func hash(forKeyID keyID: String) -> [UInt8]? {
        keyIDs.firstIndex(of: keyID).map { hashes[$0] }
    }
}
