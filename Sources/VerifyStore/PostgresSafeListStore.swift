import Postgres
import VerifyCore

/// The Safe List in PostgreSQL, keyed by (bucket, phone) like every per-phone row.
public struct PostgresSafeListStore: SafeListStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func add(_ phone: PhoneNumber) async throws -> SafeListEntry {
        let rows = try await client.query(
            """
            INSERT INTO safe_list_numbers (bucket, phone, sid)
            VALUES (\(phone.bucket), \(phone.e164), \(SafeListSid.random(bucket: phone.bucket).rawValue))
            ON CONFLICT (bucket, phone) DO NOTHING
            RETURNING sid
            """)
        guard let row = rows.single() else { throw VerifyError(.alreadySafeListed) }
        return SafeListEntry(sid: try row.sid("sid"), phone: phone)
    }

    public func entry(_ phone: PhoneNumber) async throws -> SafeListEntry? {
        try await client.query(
            "SELECT sid FROM safe_list_numbers WHERE bucket = \(phone.bucket) AND phone = \(phone.e164)"
        ).single().map { SafeListEntry(sid: try $0.sid("sid"), phone: phone) }
    }

    public func remove(_ phone: PhoneNumber) async throws -> Bool {
        try await client.query(
            "DELETE FROM safe_list_numbers WHERE bucket = \(phone.bucket) AND phone = \(phone.e164)"
        ).affectedRows == 1
    }
}
