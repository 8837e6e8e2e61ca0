import Postgres
import VerifyCore

/// Verifications in PostgreSQL. Every operation is one transaction on one lent connection: a start reads the state
/// under a row lock, `VerificationPolicy` decides, and the decision's writes commit in the next round trip; a check is
/// one statement that decides and writes at once.
public struct PostgresVerificationStore: VerificationStore {
    let client: PostgresClient
    /// Units of counters this instance holds (the store is made once per instance).
    let leases = CounterLeases()

    public init(client: PostgresClient) {
        self.client = client
    }

    public func verification(_ sid: VerificationSid, service: ServiceSid) async throws -> Verification? {
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                """
                SELECT \(fragment: Verification.columns) FROM verifications v
                WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.service_sid = \(service.rawValue)
                    AND v.status IN ('pending', 'max_attempts_reached') AND v.expires_at > now()
                    AND \(fragment: Self.serviceLive(service))
                """,
                SendAttempt.query(bucket: sid.bucket, verification: sid),
            ])
        }
        guard let row = results[0].single() else { return nil }
        return try Verification(row: row, attempts: SendAttempt.decodeAll(results[1]))
    }

    public func update(_ sid: VerificationSid, service: ServiceSid, to status: VerificationStatus) async throws
        -> Verification?
    {
        // One round trip: the conditional update, then the row as it now stands (a later statement of the same
        // implicit transaction sees the update), then its attempts.
        let results = try await client.withConnection { connection in
            try await connection.pipeline([
                """
                UPDATE verifications SET \(fragment: Verification.end(as: status))
                WHERE bucket = \(sid.bucket) AND sid = \(sid.rawValue) AND service_sid = \(service.rawValue)
                    AND status = 'pending' AND expires_at > now() AND \(fragment: Self.serviceLive(service))
                """,
                """
                SELECT \(fragment: Verification.columns), v.expires_at > now() AS still_valid FROM verifications v
                WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.service_sid = \(service.rawValue)
                    AND \(fragment: Self.serviceLive(service))
                """,
                SendAttempt.query(bucket: sid.bucket, verification: sid),
            ])
        }
        guard let row = results[1].single() else { return nil }
        let verification = try Verification(row: row, attempts: SendAttempt.decodeAll(results[2]))
        let stillValid = try row.decode("still_valid", as: Bool.self)
        if results[0].affectedRows == 1 || (verification.status == .maxAttemptsReached && stillValid) {
            return verification
        }
        return nil
    }

    public func pendingCode(_ sid: VerificationSid, call: String) async throws -> PendingCode? {
        // The TwiML request is signed but has no timestamp, so a captured one could be sent again to hear the code:
        // only the call Twilio placed for this verification (its CallSid recorded when Twilio answered the create)
        // is read to, and only until its status callback reports it ended. Twilio fetches the TwiML when the call is
        // answered, after the create's answer was recorded.
        let rows = try await client.query(
            """
            SELECT \(fragment: Verification.columns), \(fragment: PendingCode.columns), v.code_ciphertext, v.key_id,
                \(fragment: VerifyService.settingsColumns)
            FROM verifications v JOIN services s ON s.sid = v.service_sid
            WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.status = 'pending' AND v.expires_at > now()
                AND s.deleted_at IS NULL
                AND EXISTS (
                    SELECT FROM delivery_attempts a
                    WHERE a.bucket = v.bucket AND a.verification_sid = v.sid AND a.channel = 'call'
                        AND a.status = 'sent' AND a.provider_sid = \(call))
            """)
        guard let row = rows.single() else { return nil }
        return try PendingCode(row: row, service: VerifyService(row: row), code: PendingCode.sealed(row))
    }

    /// True unless the service was deleted (its rows wait for the purge). Uncorrelated, so PostgreSQL evaluates it
    /// once, before the rest of the statement runs: a gate on the check's function too.
    static func serviceLive(_ service: ServiceSid) -> PostgresQuery {
        "EXISTS (SELECT FROM services WHERE sid = \(service.rawValue) AND deleted_at IS NULL)"
    }

    /// The failure window as a bind, so SQL and `VerificationPolicy` cannot disagree about it.
    static var failureWindow: Int { VerificationPolicy.failureWindowSeconds }
}

extension PostgresVerificationStore {
    public func expireOverdue(limit: Int) async throws -> [(channel: Channel, to: PhoneNumber)] {
        // A background sweep across phones, in small batches so it never holds many row locks at once.
        let rows = try await client.query(
            """
            UPDATE verifications v SET \(fragment: Verification.end(as: .expired))
            FROM (
                SELECT bucket, sid FROM verifications
                WHERE status = 'pending' AND expires_at <= now()
                ORDER BY expires_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE v.bucket = due.bucket AND v.sid = due.sid
            RETURNING v.channel, v.phone
            """)
        return try rows.map { row in (try row.value("channel", as: Channel.self), try row.phone("phone")) }
    }
}
