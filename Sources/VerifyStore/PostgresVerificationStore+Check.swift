import Postgres
import VerifyCore

/// A check is one statement, `verifyd_check` (migration 0002, which also argues why it keeps every guarantee): it
/// locks the live verification, passes the phone's failure gate, counts the attempt, compares the code's HMAC and
/// writes the result at once. A check by phone number is therefore one round trip; a check by SID first reads the
/// verification's number, which the HMAC is bound to (`CodeKeyring`), so it takes two. The rare answers that need
/// more than the statement returns (an expiry to write, the Retry-After of a phone at its cap) take one more.
extension PostgresVerificationStore {
    public func check(_ command: CheckCommand, candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates)
        async throws -> Verification
    {
        let result = try await client.withConnection { connection in
            try await Self.check(command, candidates: candidates, on: connection)
        }
        switch result {
        case .checked(let verification):
            return verification
        case .notFound:
            throw VerifyError(.notFound(.verificationCheck(command.service)))
        case .locked(let retryAfter):
            throw VerifyError(.maxCheckAttemptsReached, retryAfter: retryAfter)
        }
    }

    private enum CheckResult: Sendable {
        case checked(Verification)
        case notFound
        case locked(retryAfter: Int)
    }

    private static func check(
        _ command: CheckCommand, candidates: (PhoneNumber) -> CodeCandidates, on connection: PostgresConnection
    ) async throws -> CheckResult {
        let service = command.service.rawValue
        let phone: PhoneNumber
        let bucket: Int
        let sid: VerificationSid?
        switch command.target {
        case .phone(let number):
            (phone, bucket, sid) = (number, number.bucket, nil)
        case .sid(let target):
            // A verification's number never changes, so this read needs no lock; the check names both again.
            let rows = try await connection.query(
                """
                SELECT v.phone FROM verifications v
                WHERE v.bucket = \(target.bucket) AND v.sid = \(target.rawValue) AND v.service_sid = \(service)
                """)
            guard let row = rows.single() else { return .notFound }
            (phone, bucket, sid) = (try row.phone("phone"), target.bucket, target)
        }
        let hmacs = candidates(phone)
        // A check's answer has no `lookup`, so the function, which predates the column, need not return it.
        let rows = try await connection.query(
            """
            SELECT *, NULL::text AS lookup_line_type
            FROM verifyd_check(\(bucket)::integer, \(service), \(phone.e164), \(sid?.rawValue),
                \(PostgresArray(hmacs.keyIDs)), \(PostgresArray(hmacs.hashes)), \(command.failureCap)::integer,
                \(failureWindow)::integer)
            """)
        guard let row = rows.single() else { return .notFound }
        let secondsUntilExpiry = try row.decode("live_seconds_until_expiry", as: Int.self)
        if secondsUntilExpiry <= 0 {
            if try row.value("live_status", as: VerificationStatus.self) == .pending {
                try await connection.query(Verification.expire(try row.sid("live_sid")))
            }
            return .notFound
        }
        if try row.decode("sid", as: String?.self) != nil {
            return .checked(try Verification(row: row, attempts: []))
        }
        // Nothing was compared: the verification is out of attempts, or the phone's failures are at the cap.
        guard try row.decode("open", as: Bool.self) else { return .locked(retryAfter: secondsUntilExpiry) }
        let decay = try await connection.query(
            """
            SELECT ceil(extract(epoch FROM f.last_failure_at - now()))::integer + \(failureWindow) AS seconds
            FROM phone_check_failures f
            WHERE f.bucket = \(bucket) AND f.service_sid = \(service) AND f.phone = \(phone.e164)
            """)
        return .locked(retryAfter: try decay.single()?.decode("seconds", as: Int?.self) ?? failureWindow)
    }
}
