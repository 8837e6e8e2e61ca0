import Postgres
import VerifyCore

/// The statements that keep an `Idempotency-Key`'s answer (migration 0008), run inside the transaction of the action
/// they answer: the key is claimed first, the answer replaces the claim just before COMMIT, and an action that ends
/// without an answer gives the claim back.
extension PostgresVerificationStore {
    /// How long an answer stands; an older row is claimed afresh.
    static let idempotencyWindowHours = 24

    /// Claims the key, or returns the answer an earlier request under it committed. A concurrent request holding the
    /// key makes the INSERT wait on the primary key until it commits (then its answer is read here) or rolls back
    /// (then this one claims the key), so two requests under one key never both act. The claim row's status 0 is
    /// never committed: `record` or `release` replaces it before COMMIT, and a rollback takes it away.
    static func claim(_ request: IdempotentRequest, service: ServiceSid, on connection: PostgresConnection)
        async throws -> StoredAnswer?
    {
        let key = keyCondition(request, service: service)
        let results = try await connection.pipeline([
            """
            INSERT INTO idempotency_keys AS k (bucket, service_sid, credential, key, fingerprint, status, body)
            VALUES (\(request.key.bucket), \(service.rawValue), \(request.credential), \(request.key.rawValue),
                \(request.fingerprint), 0, ''::bytea)
            ON CONFLICT (bucket, service_sid, credential, key) DO UPDATE
                SET fingerprint = excluded.fingerprint, status = 0, body = ''::bytea, created_at = now()
                WHERE k.created_at <= now() - \(idempotencyWindowHours) * interval '1 hour'
            RETURNING true AS claimed
            """,
            "SELECT fingerprint, status::integer AS status, body FROM idempotency_keys WHERE \(fragment: key)",
        ])
        if results[0].single() != nil { return nil }
        guard let row = results[1].single() else {
            // Deleted by the sweeper between the two statements: the answer is past its window anyway.
            throw VerifyError(.tooManyConcurrentRequests, retryAfter: 1)
        }
        guard try row.decode("fingerprint", as: [UInt8].self) == request.fingerprint else {
            throw VerifyError(.idempotencyKeyReused)
        }
        return StoredAnswer(status: try row.decode("status", as: Int.self), body: try row.decode("body"))
    }

    /// Writes the answer in place of the claim.
    static func record(_ request: IdempotentRequest, _ verification: Verification, service: ServiceSid)
        -> PostgresQuery
    {
        let answer = request.answer(verification)
        return """
            UPDATE idempotency_keys SET status = \(answer.status), body = \(answer.body)
            WHERE \(fragment: keyCondition(request, service: service))
            """
    }

    /// Gives the claim back when the action committed nothing worth answering again (nothing found, a refusal).
    static func release(_ request: IdempotentRequest, service: ServiceSid) -> PostgresQuery {
        "DELETE FROM idempotency_keys WHERE \(fragment: keyCondition(request, service: service))"
    }

    private static func keyCondition(_ request: IdempotentRequest, service: ServiceSid) -> PostgresQuery {
        """
        bucket = \(request.key.bucket) AND service_sid = \(service.rawValue) AND credential = \(request.credential)
            AND key = \(request.key.rawValue)
        """
    }

    public func deleteExpiredIdempotencyKeys(limit: Int) async throws -> Int {
        try await client.query(
            """
            DELETE FROM idempotency_keys k USING (
                SELECT bucket, service_sid, credential, key FROM idempotency_keys
                WHERE created_at <= now() - \(Self.idempotencyWindowHours) * interval '1 hour'
                ORDER BY created_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE k.bucket = due.bucket AND k.service_sid = due.service_sid AND k.credential = due.credential
                AND k.key = due.key
            """
        ).affectedRows
    }
}
