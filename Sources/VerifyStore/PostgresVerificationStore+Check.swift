import Postgres
import VerifyCore

/// A check is one statement: it finds the live verification and locks it, passes the phone's failure gate, counts the
/// attempt, compares the code and writes the result, all at once. A check by phone number is therefore one round trip;
/// a check by SID first reads the verification's number, which its HMAC is bound to (`CodeKeyring`), so it takes two.
///
/// Why the guarantees hold (PostgreSQL, READ COMMITTED):
/// - **Exactly-once approval.** `live` locks the verification `FOR UPDATE`. A concurrent check waits for that lock;
///   when the holder commits, PostgreSQL re-reads the row and re-applies the `WHERE` (status still live) to its new
///   version, so the loser sees `approved`, skips it, and answers 404. Only the lock holder writes `approved`.
/// - **Attempts counted with the compare.** The equality of the candidate HMAC with the stored one is a value inside
///   this statement. It leaves only through `checked`'s row, and that row exists only if the same statement counted
///   the attempt (`check_attempts + 1`) and moved the phone's count. Statement and commit are one implicit transaction
///   and verifyd answers only once the commit is confirmed; if anything fails, the answer is an error, which says
///   nothing about the code. So no path learns a compare's result without having paid an attempt for it, and the
///   per-verification maximum is read from the locked, current row.
/// - **Out of attempts means 429 for any code.** A verification not pending, or with no attempt left, never reaches
///   the gate: the answer is 429 whether the code was right or not.
/// - **The per-phone cap holds however checks, re-sends, cancels and new verifications interleave.** Every compare
///   goes through `gate`, an upsert of the (service, phone) row in `phone_check_failures` whose `WHERE` admits it only
///   while the count is under the cap (or the failures decayed). `INSERT … ON CONFLICT DO UPDATE` evaluates that
///   condition on the latest committed version of the row, with the row locked, never on the statement's snapshot;
///   a check that waited for the lock sees the count its predecessor committed. So concurrent checks of one
///   (service, phone), on one verification or on several, are admitted one at a time and stop exactly at the cap,
///   and the admitted check writes the new count (one more, or zero after a success) in that same upsert. Only
///   `checked` depends on `gate`, so a refused check writes nothing at all. Lock order is always the verification,
///   then the failure row; nothing takes them the other way round, so the two cannot deadlock.
/// - **Comparing in SQL reveals nothing a guess does not already cost.** The database compares two keyed HMACs; it
///   never sees the code or the key. The caller learns one bit per compare (match or not), exactly what the API
///   answers, and only after the attempt is counted. The compare is not constant-time, but its inputs are HMAC
///   outputs: a caller cannot steer the candidate's bytes towards the stored ones without the key, so how far a
///   byte-wise compare gets tells them nothing usable about the next guess.
/// - **Expiry.** A live verification past its validity is never compared; a pending one is marked `expired` (and its
///   ciphertext erased) by `Verification.expire`, the one expire statement, in a second round trip on that rare path.
extension PostgresVerificationStore {
    public func check(_ command: CheckCommand, candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates)
        async throws -> Verification
    {
        let result = try await client.withConnection { connection in
            try Self.check(command, candidates: candidates, on: connection)
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

    private enum CheckResult: Sendable {
        case checked(Verification)
        case notFound
        case locked(retryAfter: Int)
    }

    private static func check(
        _ command: CheckCommand, candidates: (PhoneNumber) -> CodeCandidates, on connection: PostgresConnection
    ) throws -> CheckResult {
        let target: CheckTarget
        switch command.target {
        case .phone(let phone):
            target = CheckTarget(bucket: phone.bucket, phone: phone, sid: nil)
        case .sid(let sid):
            // A verification's number never changes, so this read needs no lock; the check names it again.
            let rows = try connection.query(
                """
                SELECT v.phone FROM verifications v
                WHERE v.bucket = \(sid.bucket) AND v.sid = \(sid.rawValue) AND v.service_sid = \(command.service.rawValue)
                """)
            guard let row = rows.single() else { return .notFound }
            target = CheckTarget(bucket: sid.bucket, phone: try row.phone("phone"), sid: sid)
        }
        let rows = try connection.query(statement(command, target: target, candidates: candidates(target.phone)))
        guard let row = rows.single() else { return .notFound }
        if try row.decode("expired", as: Bool.self) {
            if try row.value("live_status", as: VerificationStatus.self) == .pending {
                try connection.query(Verification.expire(try row.sid("live_sid")))
            }
            return .notFound
        }
        guard try row.decode("counted", as: Bool.self) else {
            // Out of attempts, or the phone's failures at the cap: either way the code was never compared.
            let retryAfter = try row.decode("seconds_until_failures_decay", as: Int?.self)
            return .locked(retryAfter: try retryAfter ?? row.decode("live_seconds_until_expiry"))
        }
        return .checked(try Verification(row: row, attempts: []))
    }

    /// Where the check looks: the live verification of the number, or the named one (which must be of that number).
    private struct CheckTarget {
        var bucket: Int
        var phone: PhoneNumber
        var sid: VerificationSid?
    }

    private static func statement(_ command: CheckCommand, target: CheckTarget, candidates: CodeCandidates)
        -> PostgresQuery
    {
        let service = command.service.rawValue
        let bucket = target.bucket
        let phone = target.phone.e164
        let live: PostgresQuery
        if let sid = target.sid {
            live = """
                SELECT v.sid, v.status, v.check_attempts, v.max_check_attempts, v.key_id, v.code_hash, v.expires_at
                FROM verifications v
                WHERE v.bucket = \(bucket) AND v.sid = \(sid.rawValue) AND v.service_sid = \(service)
                    AND v.phone = \(phone) AND v.status IN ('pending', 'max_attempts_reached')
                FOR UPDATE
                """
        } else {
            live = """
                SELECT v.sid, v.status, v.check_attempts, v.max_check_attempts, v.key_id, v.code_hash, v.expires_at
                FROM verifications v
                WHERE v.bucket = \(bucket) AND v.service_sid = \(service) AND v.phone = \(phone)
                    AND v.status IN ('pending', 'max_attempts_reached')
                ORDER BY v.created_at DESC LIMIT 1
                FOR UPDATE
                """
        }
        let window = failureWindow
        return """
            WITH live AS (
                \(fragment: live)
            ), attempt AS (
                SELECT l.sid,
                    l.status = 'pending' AND l.check_attempts < l.max_check_attempts AND l.expires_at > now() AS open,
                    coalesce(
                        l.code_hash = (\(PostgresArray(candidates.hashes))::bytea[])[
                            array_position(\(PostgresArray(candidates.keyIDs))::text[], l.key_id)],
                        false) AS matched
                FROM live l
            ), gate AS (
                INSERT INTO phone_check_failures AS f (bucket, service_sid, phone, consecutive_failures, last_failure_at)
                SELECT \(bucket), \(service), \(phone), CASE WHEN a.matched THEN 0 ELSE 1 END,
                    CASE WHEN NOT a.matched THEN now() END
                FROM attempt a WHERE a.open
                ON CONFLICT (bucket, service_sid, phone) DO UPDATE SET
                    consecutive_failures = CASE
                        WHEN excluded.consecutive_failures = 0 THEN 0
                        WHEN f.last_failure_at > now() - \(window) * interval '1 second'
                        THEN f.consecutive_failures + 1 ELSE 1 END,
                    last_failure_at = excluded.last_failure_at
                WHERE f.consecutive_failures < \(command.failureCap)
                    OR f.last_failure_at <= now() - \(window) * interval '1 second'
                RETURNING 1
            ), checked AS (
                UPDATE verifications v SET check_attempts = v.check_attempts + 1,
                    status = CASE
                        WHEN a.matched THEN 'approved'
                        WHEN v.check_attempts + 1 >= v.max_check_attempts THEN 'max_attempts_reached'
                        ELSE 'pending' END,
                    code_ciphertext = CASE
                        WHEN NOT a.matched AND v.check_attempts + 1 < v.max_check_attempts THEN v.code_ciphertext END,
                    updated_at = now()
                FROM attempt a, gate
                WHERE v.bucket = \(bucket) AND v.sid = a.sid
                RETURNING \(fragment: Verification.columns)
            )
            SELECT l.sid AS live_sid, l.status AS live_status, l.expires_at <= now() AS expired,
                ceil(extract(epoch FROM l.expires_at - now()))::integer AS live_seconds_until_expiry,
                c.sid IS NOT NULL AS counted,
                CASE WHEN a.open AND c.sid IS NULL THEN (
                    SELECT ceil(extract(epoch FROM f.last_failure_at - now()))::integer + \(window)
                    FROM phone_check_failures f
                    WHERE f.bucket = \(bucket) AND f.service_sid = \(service) AND f.phone = \(phone)
                ) END AS seconds_until_failures_decay,
                c.*
            FROM live l JOIN attempt a ON a.sid = l.sid LEFT JOIN checked c ON true
            """
    }
}
