import Postgres
import VerifyCore

extension PostgresPhoneStore {
    /// One transaction, every statement keyed by the number's bucket. The phone row is locked first, so a STOP or
    /// START arriving meanwhile waits and then finds no row (and makes a new one, which decides from then on).
    public func erase(_ phone: PhoneNumber, digests: [[UInt8]]) async throws -> PhoneErasure {
        let bucket = phone.bucket
        let number = phone.e164
        let hmacs = PostgresArray(digests)
        return try await client.withTransaction { connection in
            // Opted out now: by its phone row, or by an earlier erasure that no later decision overrode (the rule
            // the start applies).
            let state = try await connection.query(
                """
                WITH p AS (
                    SELECT opted_out_at, updated_at FROM phones WHERE bucket = \(bucket) AND phone = \(number)
                    FOR UPDATE
                )
                SELECT coalesce((SELECT opted_out_at IS NOT NULL FROM p), false) OR EXISTS (
                    SELECT FROM erased_opt_outs e
                    WHERE e.bucket = \(bucket) AND e.phone_hmac = ANY (\(hmacs))
                        AND ((SELECT updated_at FROM p) IS NULL OR (SELECT updated_at FROM p) < e.erased_at)
                ) AS opted_out,
                (SELECT count(*)::integer FROM delivery_attempts a JOIN verifications v
                    ON v.bucket = a.bucket AND v.sid = a.verification_sid
                 WHERE v.bucket = \(bucket) AND v.phone = \(number)) AS attempts,
                (SELECT count(*)::integer FROM inbound_message_receipts
                 WHERE bucket = \(bucket) AND phone = \(number)) AS receipts
                """)[0]
            let optedOut = try state.decode("opted_out", as: Bool.self)
            var statements: [PostgresQuery] = [
                "DELETE FROM verifications WHERE bucket = \(bucket) AND phone = \(number)",
                "DELETE FROM phone_check_failures WHERE bucket = \(bucket) AND phone = \(number)",
                "DELETE FROM phones WHERE bucket = \(bucket) AND phone = \(number)",
                "DELETE FROM erased_opt_outs WHERE bucket = \(bucket) AND phone_hmac = ANY (\(hmacs))",
                "DELETE FROM abuse_refusals WHERE bucket = \(bucket) AND phone = \(number)",
                "DELETE FROM safe_list_numbers WHERE bucket = \(bucket) AND phone = \(number)",
            ]
            if optedOut, let kept = digests.first {
                statements.append("INSERT INTO erased_opt_outs (bucket, phone_hmac) VALUES (\(bucket), \(kept))")
            }
            let results = try await connection.pipeline(statements)
            return PhoneErasure(
                verifications: results[0].affectedRows, attempts: try state.decode("attempts"),
                failureCounts: results[1].affectedRows, receipts: try state.decode("receipts"),
                refusals: results[4].affectedRows, safeListEntries: results[5].affectedRows,
                phoneRows: results[2].affectedRows, optOutKept: optedOut)
        }
    }
}
