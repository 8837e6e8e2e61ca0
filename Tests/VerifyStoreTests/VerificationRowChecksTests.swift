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

/// Migration 0014 did the same for `delivery_attempts`: a send's update no longer rebuilds the checks of what it never
/// sets, and the rows those checks refused are still refused.
@Suite("Delivery attempt row checks")
struct DeliveryAttemptRowChecksTests {
    @Test("a malformed SID, channel or region, or a bucket that is not the SID's, is refused on insert and update")
    func refused() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service().sid.rawValue
            let verification = "VE0001" + String(repeating: "0", count: 27) + "b"
            try await VerificationRowChecksTests.insert(
                bucket: 1, sid: verification, phone: "+15550000002", service: service, on: fixture.client)
            let client = fixture.client
            func insert(bucket: Int = 1, sid: String, channel: String = "sms", region: String? = "US") async throws {
                try await client.query(
                    """
                    INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, destination_region)
                    VALUES (\(bucket), \(sid), \(verification), \(channel), 'queued', \(region))
                    """)
            }
            let good = "VL0001" + String(repeating: "0", count: 27) + "c"
            #expect(await VerificationRowChecksTests.violation { try await insert(sid: "VL1") } == "23514")
            #expect(
                await VerificationRowChecksTests.violation { try await insert(sid: good, channel: "fax") } == "23514")
            #expect(
                await VerificationRowChecksTests.violation { try await insert(sid: good, region: "usa") } == "23514")
            #expect(await VerificationRowChecksTests.violation { try await insert(bucket: 2, sid: good) } == "23514")
            try await insert(sid: good, region: nil)
            #expect(
                await VerificationRowChecksTests.violation {
                    try await client.query(
                        "UPDATE delivery_attempts SET destination_region = 'x' WHERE bucket = 1 AND sid = \(good)")
                } == "23514")
            // What a send changes is not held back, and the checks that stayed still hold.
            let sent = try await client.query(
                "UPDATE delivery_attempts SET status = 'sent', tries = 1 WHERE bucket = 1 AND sid = \(good)")
            #expect(sent.affectedRows == 1)
            #expect(
                await VerificationRowChecksTests.violation {
                    try await client.query(
                        "UPDATE delivery_attempts SET status = 'lost' WHERE bucket = 1 AND sid = \(good)")
                } == "23514")
        }
    }
}
