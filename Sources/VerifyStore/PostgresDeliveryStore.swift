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
                    UPDATE verifications v SET status = 'failed', code_ciphertext = NULL, updated_at = now()
                    FROM delivery_attempts a
                    WHERE a.bucket = \(attempt.bucket) AND a.sid = \(attempt.rawValue)
                        AND v.bucket = a.bucket AND v.sid = a.verification_sid AND v.status = 'pending'
                        AND v.send_count = 1
                    """)
            }
            try connection.pipeline(statements)
        }
    }

    /// The attempt's new state. Only a claimed (`sending`) row moves, so a late record never undoes a status
    /// callback or another instance's work.
    private static func update(_ outcome: DeliveryOutcome, attempt: AttemptSid, retryIn: Double?) -> PostgresQuery {
        let key: PostgresQuery = "bucket = \(attempt.bucket) AND sid = \(attempt.rawValue) AND status = 'sending'"
        switch outcome {
        case .sent(let providerSid):
            return """
                UPDATE delivery_attempts SET status = 'sent', provider_sid = \(providerSid), tries = tries + 1,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE \(fragment: key)
                """
        case .retryable(let errorCode, _):
            guard let retryIn else { return failed(errorCode: errorCode, key: key) }
            return """
                UPDATE delivery_attempts SET status = 'queued', error_code = \(errorCode), tries = tries + 1,
                    next_attempt_at = now() + \(retryIn) * interval '1 second',
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE \(fragment: key)
                """
        case .unavailable(let retryAfter):
            // Nothing was attempted, so no try is used up.
            return """
                UPDATE delivery_attempts SET status = 'queued',
                    next_attempt_at = now() + \(retryAfter) * interval '1 second',
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE \(fragment: key)
                """
        case .rejected(let errorCode):
            return failed(errorCode: errorCode, key: key)
        case .unknown:
            return """
                UPDATE delivery_attempts SET status = 'unknown', tries = tries + 1,
                    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                WHERE \(fragment: key)
                """
        }
    }

    private static func failed(errorCode: Int?, key: PostgresQuery) -> PostgresQuery {
        """
        UPDATE delivery_attempts SET status = 'failed', error_code = \(errorCode), tries = tries + 1,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE \(fragment: key)
        """
    }
}
