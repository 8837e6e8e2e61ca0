import Postgres
import VerifyCore

extension PostgresVerificationStore {
    public func check(_ command: CheckCommand, matches: @escaping @Sendable (StoredCode) -> Bool) async throws
        -> Verification
    {
        let result = try await client.withTransaction { connection in
            try await Self.check(command, matches: matches, on: connection)
        }
        switch result {
        case .checked(let verification):
            return verification
        case .notFound:
            throw VerifyError(.notFound(resource: "/Services/\(command.service)/VerificationCheck"))
        case .locked(let retryAfter):
            throw VerifyError(.maxCheckAttemptsReached, retryAfter: retryAfter)
        }
    }

    /// Refusals are returned rather than thrown so that the transaction still commits what they wrote (an expiry).
    private enum CheckResult: Sendable {
        case checked(Verification)
        case notFound
        case locked(retryAfter: Int)
    }

    private static func check(
        _ command: CheckCommand, matches: (StoredCode) -> Bool, on connection: PostgresConnection
    ) async throws -> CheckResult {
        let rows = try await connection.query(checkState(command))
        guard let row = rows.single(), let live = try LiveVerification(row: row, at: 0) else { return .notFound }
        let codeAt = LiveVerification.columnCount
        let stored = StoredCode(
            verificationSid: live.sid, keyID: try row.decode(codeAt), hash: try row.decode(codeAt + 1))
        let phone = try row.phone(codeAt + 2)
        let decision = VerificationPolicy.check(live: live) { matches(stored) }
        switch decision {
        case .notFound(let expiring):
            if let expiring {
                try await connection.query(
                    """
                    UPDATE verifications SET status = 'expired', code_ciphertext = NULL, updated_at = now()
                    WHERE bucket = \(expiring.bucket) AND sid = \(expiring.rawValue) AND status = 'pending'
                    """)
            }
            return .notFound
        case .locked(let retryAfter):
            return .locked(retryAfter: retryAfter)
        case .approve(let attempts):
            return try await finish(live, attempts: attempts, status: .approved, phone: phone, command, on: connection)
        case .reject(let attempts, let status):
            return try await finish(live, attempts: attempts, status: status, phone: phone, command, on: connection)
        }
    }

    /// Writes the counted attempt and its result with a conditional update (still pending, which the row lock
    /// guarantees), and moves the phone's consecutive-failure count, in one round trip.
    private static func finish(
        _ live: LiveVerification, attempts: Int, status: VerificationStatus, phone: PhoneNumber,
        _ command: CheckCommand, on connection: PostgresConnection
    ) async throws -> CheckResult {
        let sid = live.sid
        let failure: PostgresQuery
        if status == .approved {
            failure = """
                DELETE FROM phone_check_failures
                WHERE bucket = \(phone.bucket) AND service_sid = \(command.service.rawValue) AND phone = \(phone.e164)
                """
        } else {
            failure = """
                INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
                VALUES (\(phone.bucket), \(command.service.rawValue), \(phone.e164), 1, now())
                ON CONFLICT (bucket, service_sid, phone) DO UPDATE SET
                    consecutive_failures = CASE
                        WHEN f.last_failure_at > now() - \(failureWindow) * interval '1 second'
                        THEN f.consecutive_failures + 1 ELSE 1 END,
                    last_failure_at = now()
                """
        }
        let results = try await connection.pipeline([
            """
            UPDATE verifications v SET check_attempts = \(attempts), status = \(status.rawValue),
                code_ciphertext = CASE WHEN \(status == .pending) THEN code_ciphertext END, updated_at = now()
            WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.status = 'pending'
            RETURNING \(fragment: Verification.columns)
            """,
            failure,
        ])
        guard let row = results[0].single() else { return .notFound }
        return .checked(try Verification(row: row, attempts: []))
    }

    private static func checkState(_ command: CheckCommand) -> PostgresQuery {
        let service = command.service.rawValue
        switch command.target {
        case .phone(let phone):
            return """
                SELECT \(fragment: LiveVerification.columns), v.key_id, v.code_hash, v.phone FROM verifications v
                WHERE v.bucket = \(phone.bucket) AND v.service_sid = \(service) AND v.phone = \(phone.e164)
                    AND v.status IN ('pending', 'max_attempts_reached')
                ORDER BY v.created_at DESC LIMIT 1
                FOR UPDATE
                """
        case .sid(let sid):
            return """
                SELECT \(fragment: LiveVerification.columns), v.key_id, v.code_hash, v.phone FROM verifications v
                WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.service_sid = \(service)
                    AND v.status IN ('pending', 'max_attempts_reached')
                FOR UPDATE
                """
        }
    }
}
