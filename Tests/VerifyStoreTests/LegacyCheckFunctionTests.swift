import Postgres
import TestSupport
import Testing
import VerifyCore

/// `verifyd_check`, migration 0002's signature, is what an instance not yet upgraded calls (and what
/// `verifyd_check_counted` calls). Since migration 0014 it runs `verifyd_check_metered`'s statement: it must still
/// answer as it did, a row only for a live verification, and count and compare as the check does.
@Suite("The check function of migration 0002")
struct LegacyCheckFunctionTests {
    static func check(_ hash: String, phone: String, service: String, on client: PostgresClient) async throws
        -> [(status: String?, attempts: Int?)]
    {
        try await client.query(
            """
            SELECT status, check_attempts::integer AS check_attempts
            FROM verifyd_check(1, \(service), \(phone), NULL, '{k}', ARRAY[sha256(\(hash)::bytea)], 5, 86400)
            """
        ).map { (try $0.decode("status"), try $0.decode("check_attempts")) }
    }

    @Test(
        "a wrong code counts an attempt, also through 0011's function; the right one approves; nothing live or a deleted service has no row"
    )
    func answers() async throws {
        try await StoreFixture.run { fixture in
            let service = try await fixture.service().sid.rawValue
            let sid = "VE0001" + String(repeating: "0", count: 27) + "d"
            let phone = "+15550000003"
            // The helper stores sha256('x') as the code's HMAC under key `k`.
            try await VerificationRowChecksTests.insert(
                bucket: 1, sid: sid, phone: phone, service: service, on: fixture.client)
            let wrong = try await Self.check("y", phone: phone, service: service, on: fixture.client)
            #expect(wrong.count == 1 && wrong[0].status == "pending" && wrong[0].attempts == 1)
            // `verifyd_check_counted` (0011), the signature before 0012's, reaches the same statement through it.
            let counted = try await fixture.client.query(
                """
                SELECT took, status, check_attempts::integer AS check_attempts
                FROM verifyd_check_counted('api_key_checks', 'legacy', 10, 1, 0, true, 1, \(service), \(phone), NULL,
                    '{k}', ARRAY[sha256('y'::bytea)], 5, 86400)
                """)
            #expect(try counted[0].decode("took", as: Bool.self))
            #expect(try counted[0].decode("status", as: String?.self) == "pending")
            #expect(try counted[0].decode("check_attempts", as: Int?.self) == 2)
            #expect(try await Self.check("x", phone: "+15550000004", service: service, on: fixture.client).isEmpty)
            try await fixture.client.query("UPDATE services SET deleted_at = now() WHERE sid = \(service)")
            #expect(try await Self.check("x", phone: phone, service: service, on: fixture.client).isEmpty)
            try await fixture.client.query("UPDATE services SET deleted_at = NULL WHERE sid = \(service)")
            let right = try await Self.check("x", phone: phone, service: service, on: fixture.client)
            #expect(right.count == 1 && right[0].status == "approved" && right[0].attempts == 3)
        }
    }
}
