import Postgres
import VerifyCore

/// API keys in PostgreSQL.
public struct PostgresCredentialStore: CredentialStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func createAPIKey(_ sid: APIKeySid, name: String, secretHash: [UInt8]) async throws -> APIKey {
        let row = try await client.query(
            """
            INSERT INTO api_keys (sid, friendly_name, secret_sha256) VALUES (\(sid.rawValue), \(name), \(secretHash))
            RETURNING sid, friendly_name, created_at, revoked_at
            """)[0]
        return try Self.decode(row)
    }

    public func apiKeys() async throws -> [APIKey] {
        try await client.query(
            "SELECT sid, friendly_name, created_at, revoked_at FROM api_keys ORDER BY created_at, sid"
        )
        .map(Self.decode)
    }

    public func revokeAPIKey(_ sid: APIKeySid) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE api_keys SET revoked_at = now() WHERE sid = \(sid.rawValue) AND revoked_at IS NULL")
        return rows.affectedRows == 1
    }

    public func activeSecretHash(_ sid: APIKeySid) async throws -> [UInt8]? {
        let rows = try await client.query(
            "SELECT secret_sha256 FROM api_keys WHERE sid = \(sid.rawValue) AND revoked_at IS NULL")
        return try rows.single()?.decode("secret_sha256", as: [UInt8].self)
    }

    private static func decode(_ row: PostgresRow) throws -> APIKey {
        APIKey(
            sid: try row.sid("sid"), name: try row.decode("friendly_name"), createdAt: try row.decode("created_at"),
            revokedAt: try row.decode("revoked_at"))
    }
}
