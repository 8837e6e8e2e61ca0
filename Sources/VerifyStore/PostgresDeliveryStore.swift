import Postgres
import VerifyCore

/// The delivery outbox in PostgreSQL.
public struct PostgresDeliveryStore: DeliveryStore {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    public func record(_ outcome: DeliveryOutcome, for attempt: AttemptSid, retryIn: Double?, failVerification: Bool)
        async throws
    {
        let update = Self.update(outcome, attempt: attempt, retryIn: retryIn)
        try await client.withConnection { connection in
            var statements = [update]
            if failVerification {
                // Only a first send fails its verification: a later one leaves the earlier codes' chance intact.
                statements.append(
                    """
                    UPDATE verifications v SET \(fragment: Verification.end(as: .failed))
                    FROM delivery_attempts a
                    WHERE a.bucket = \(attempt.bucket) AND a.sid = \(attempt.rawValue)
                        AND v.bucket = a.bucket AND v.sid = a.verification_sid AND v.status = 'pending'
                        AND v.send_count = 1
                    """)
            }
            try await connection.pipeline(statements)
        }
    }

    /// Ends a claimed attempt's lease, in every statement that moves a row out of `sending`.
    private static let endLease: PostgresQuery = "lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"

    /// The attempt's new state. Only a claimed (`sending`) row moves, so a late record never undoes a status
    /// callback or another instance's work.
    private static func update(_ outcome: DeliveryOutcome, attempt: AttemptSid, retryIn: Double?) -> PostgresQuery {
        let key: PostgresQuery = "bucket = \(attempt.bucket) AND sid = \(attempt.rawValue) AND status = 'sending'"
        switch outcome {
        case .sent(let providerSid):
            return """
                UPDATE delivery_attempts SET status = 'sent', provider_sid = \(providerSid), tries = tries + 1,
                    \(fragment: endLease)
                WHERE \(fragment: key)
                """
        case .retryable(let errorCode, _):
            guard let retryIn else { return failed(errorCode: errorCode, key: key) }
            return """
                UPDATE delivery_attempts SET status = 'queued', error_code = \(errorCode), tries = tries + 1,
                    next_attempt_at = now() + \(retryIn) * interval '1 second', \(fragment: endLease)
                WHERE \(fragment: key)
                """
        case .unavailable(let retryAfter):
            // Nothing was attempted, so no try is used up.
            return """
                UPDATE delivery_attempts SET status = 'queued',
                    next_attempt_at = now() + \(retryAfter) * interval '1 second', \(fragment: endLease)
                WHERE \(fragment: key)
                """
        case .rejected(let errorCode):
            return failed(errorCode: errorCode, key: key)
        case .unknown:
            return """
                UPDATE delivery_attempts SET status = 'unknown', tries = tries + 1,
                    \(fragment: endLease)
                WHERE \(fragment: key)
                """
        }
    }

    private static func failed(errorCode: Int?, key: PostgresQuery) -> PostgresQuery {
        """
        UPDATE delivery_attempts SET status = 'failed', error_code = \(errorCode), tries = tries + 1,
            \(fragment: endLease)
        WHERE \(fragment: key)
        """
    }
}

extension PostgresDeliveryStore {
    public func claimDue(limit: Int, leaseSeconds: Int, owner: String) async throws -> [ClaimedAttempt] {
        // One statement: pick due rows other dispatchers have not locked, lease them, and return what sending needs.
        // Only a pending verification of a live service is sent: a service deleted meanwhile sends nothing more.
        let rows = try await client.query(
            """
            WITH due AS (
                SELECT bucket, sid FROM delivery_attempts
                WHERE status = 'queued' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), a AS (
                UPDATE delivery_attempts a SET status = 'sending', lease_owner = \(owner),
                    lease_expires_at = now() + \(leaseSeconds) * interval '1 second', updated_at = now()
                FROM due WHERE a.bucket = due.bucket AND a.sid = due.sid
                RETURNING a.sid, a.tries, a.bucket, a.verification_sid
            )
            SELECT a.sid AS attempt_sid, a.tries, \(fragment: Verification.columns), \(fragment: PendingCode.columns),
                v.code_ciphertext, v.key_id, \(fragment: VerifyService.settingsColumns),
                v.status = 'pending' AND v.expires_at > now() AND v.code_ciphertext IS NOT NULL
                    AND s.deleted_at IS NULL AS sendable
            FROM a
            JOIN verifications v ON v.bucket = a.bucket AND v.sid = a.verification_sid
            JOIN services s ON s.sid = v.service_sid
            """)
        return try rows.map { row in
            let pending =
                try row.decode("sendable", as: Bool.self)
                ? try PendingCode(row: row, service: VerifyService(row: row), code: PendingCode.sealed(row)) : nil
            return ClaimedAttempt(
                attemptSid: try row.sid("attempt_sid"), tries: try row.decode("tries"), pending: pending)
        }
    }

    public func expireLeases() async throws -> Int {
        try await client.query(
            """
            UPDATE delivery_attempts SET status = 'unknown', \(fragment: Self.endLease)
            WHERE status = 'sending' AND lease_expires_at < now()
            """
        ).affectedRows
    }

    public func cancel(_ attempt: AttemptSid) async throws {
        try await client.query(
            """
            UPDATE delivery_attempts SET status = 'canceled', \(fragment: Self.endLease)
            WHERE bucket = \(attempt.bucket) AND sid = \(attempt.rawValue) AND status = 'sending'
            """)
    }

    public func applyCallback(_ attempt: AttemptSid, status: DeliveryStatus, providerSid: String?, errorCode: Int?)
        async throws -> Bool
    {
        // Rank: queued 0 < sending, unknown 1 < sent 2 < final 3. A row moves only up, and never out of a final
        // state, so duplicates and late callbacks change nothing.
        let rows = try await client.query(
            """
            UPDATE delivery_attempts SET status = \(status.rawValue),
                provider_sid = coalesce(provider_sid, \(providerSid)), error_code = coalesce(\(errorCode), error_code),
                \(fragment: Self.endLease)
            WHERE bucket = \(attempt.bucket) AND sid = \(attempt.rawValue)
                AND status NOT IN ('delivered', 'undelivered', 'failed', 'canceled')
                AND (CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 2 ELSE 1 END) < \(Self.rank(status))
            """)
        return rows.affectedRows == 1
    }

    static func rank(_ status: DeliveryStatus) -> Int {
        switch status {
        case .queued: 0
        case .sending, .unknown: 1
        case .sent: 2
        case .delivered, .undelivered, .failed, .canceled: 3
        }
    }
}
