import Foundation

/// Storage for API keys. Only a hash of each secret is kept.
public protocol CredentialStore: Sendable {
    func createAPIKey(_ sid: APIKeySid, name: String, secretHash: [UInt8]) async throws -> APIKey
    func apiKeys() async throws -> [APIKey]
    /// False when no active key has that SID.
    func revokeAPIKey(_ sid: APIKeySid) async throws -> Bool
    /// The secret hash of an active (not revoked) key.
    func activeSecretHash(_ sid: APIKeySid) async throws -> [UInt8]?
}

public struct APIKey: Sendable, Equatable {
    public var sid: APIKeySid
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(sid: APIKeySid, name: String, createdAt: Date, revokedAt: Date?) {
        self.sid = sid
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
