import Postgres
import TestSupport
import Testing
import VerifyCore

/// Migration 0013 moved the checks of the columns a verification never changes from CHECK constraints to a trigger:
/// the same rows must still be refused, with the same error.
@Suite("Verification row checks")
struct VerificationRowChecksTests {
    static func insert(
        bucket: Int, sid: String, phone: String, service: String, on client: PostgresClient
    ) async throws {
        try await client.query(
            """
            INSERT INTO verifications (
                bucket, sid, service_sid, phone, channel, status, key_id, code_hash, code_ciphertext,
                max_check_attempts, max_send_attempts, expires_at)
            VALUES (\(bucket), \(sid), \(service), \(phone), 'sms', 'pending', 'k', sha256('x'), '\\x00', 5, 5,
                now() + interval '1 hour')
            """)
    }

    static func violation(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as PostgresError {
            return error.sqlState
        } catch {
            return "\(error)"
        }
    }

    @Test("a malformed SID or number, or a bucket that is not the SID's, is refused on insert and on update")
    func refused() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service().sid.rawValue
            let good = "VE0001" + String(repeating: "0", count: 27) + "a"
            let client = fixture.client
            #expect(
                await Self.violation {
                    try await Self.insert(bucket: 1, sid: "VE1", phone: "+15550000001", service: service, on: client)
                } == "23514")
            #expect(
                await Self.violation {
                    try await Self.insert(bucket: 1, sid: good, phone: "5550000001", service: service, on: client)
                } == "23514")
            #expect(
                await Self.violation {
                    try await Self.insert(bucket: 2, sid: good, phone: "+15550000001", service: service, on: client)
                } == "23514")
            try await Self.insert(bucket: 1, sid: good, phone: "+15550000001", service: service, on: client)
            #expect(
                await Self.violation {
                    try await client.query("UPDATE verifications SET phone = 'x' WHERE bucket = 1 AND sid = \(good)")
                } == "23514")
            // What checks and sends change is not held back.
            let updated = try await client.query(
                "UPDATE verifications SET check_attempts = 1 WHERE bucket = 1 AND sid = \(good)")
            #expect(updated.affectedRows == 1)
        }
    }
}
