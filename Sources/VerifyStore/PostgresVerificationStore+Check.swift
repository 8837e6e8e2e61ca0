import Postgres
import VerifyCore

/// A check is one statement, a function call (migration 0002 argues why it keeps every guarantee, 0017 why its
/// current form still does): it locks the live verification, passes the phone's failure gate, counts the attempt,
/// compares the code's HMAC and writes the result, in one transaction. A check by phone number is therefore one round trip; a check by SID first reads the
/// verification's number, which the HMAC is bound to (`CodeKeyring`), so it takes two. The rare answers that need
/// more than the statement returns (an expiry to write, the Retry-After of a phone at its cap) take one more.
/// The statement calls `verifyd_check_metered` (migration 0012), which with a per-credential limit first takes the
/// credential's counter (a check it refuses compares nothing, and one that found the counter contended runs again;
/// most checks spend a unit this instance took before, `CounterLeases`), and counts an approval for the prefix rule.
extension PostgresVerificationStore {
    public func check(
        _ command: CheckCommand, idempotency: IdempotentRequest?,
        candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates
    ) async throws -> IdempotentOutcome<Verification> {
        for pass in 1...AbuseCounting.passes {
            var recorded: (refusals: [AbuseRefusal], phone: PhoneNumber)?
            let result: CheckResult
            do {
                result = try await checkOnce(
                    command, idempotency: idempotency, candidates: candidates, recorded: &recorded)
            } catch is CheckContended {
                try await AbuseCounting.backOff(after: pass)
                continue
            }
            if let recorded {
                try await client.query(
                    AbuseCounting.record(
                        recorded.refusals, phone: recorded.phone, blockSeconds: command.abuse.prefix.blockSeconds))
            }
            switch result {
            case .replayed(let answer):
                return .replayed(answer)
            case .checked(let verification):
                return .acted(verification)
            case .notFound:
                throw VerifyError(.notFound(.verificationCheck(command.service)))
            case .locked(let retryAfter):
                throw VerifyError(.maxCheckAttemptsReached, retryAfter: retryAfter)
            case .refused(let error):
                throw error
            }
        }
        throw VerifyError(.tooManyConcurrentRequests, retryAfter: 1)
    }

    /// The credential's counter had room only in shards other checks held: thrown out of the transaction (or
    /// returned from the statement, which took and compared nothing), which then runs again.
    private struct CheckContended: Error {}

    private func checkOnce(
        _ command: CheckCommand, idempotency: IdempotentRequest?,
        candidates: @escaping @Sendable (PhoneNumber) -> CodeCandidates,
        recorded: inout (refusals: [AbuseRefusal], phone: PhoneNumber)?
    ) async throws -> CheckResult {
        if let idempotency {
            // An explicit transaction, so the answer commits with the check or not at all: a check approved but
            // cut off before its answer arrived is answered again from this row, and only to this key.
            return try await client.withTransaction { connection in
                if let answer = try await Self.claim(idempotency, service: command.service, on: connection) {
                    return .replayed(answer)
                }
                // Units taken here commit with the transaction, or not: none is kept for later checks.
                let result = try await Self.check(
                    command, candidates: candidates, leases: leases, keepsBlock: false, recorded: &recorded,
                    on: connection)
                let last: PostgresQuery
                if case .checked(let verification) = result {
                    last = Self.record(idempotency, verification, service: command.service)
                } else {
                    last = Self.release(idempotency, service: command.service)
                }
                try await connection.pipeline([last], commit: true)
                return result
            }
        }
        return try await client.withConnection { connection in
            try await Self.check(
                command, candidates: candidates, leases: leases, keepsBlock: true, recorded: &recorded,
                on: connection)
        }
    }

    private enum CheckResult: Sendable {
        case replayed(StoredAnswer)
        case checked(Verification)
        case notFound
        case locked(retryAfter: Int)
        case refused(VerifyError)
    }

    /// `keepsBlock`: the check's statement commits on its own, so a block of the credential's counter it takes can
    /// be kept for the next checks (`CounterLeases`).
    private static func check(
        _ command: CheckCommand, candidates: (PhoneNumber) -> CodeCandidates, leases: CounterLeases,
        keepsBlock: Bool, recorded: inout (refusals: [AbuseRefusal], phone: PhoneNumber)?,
        on connection: PostgresConnection
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
                    AND \(fragment: serviceLive(command.service))
                """)
            guard let row = rows.single() else { return .notFound }
            (phone, bucket, sid) = (try row.phone("phone"), target.bucket, target)
        }
        // A unit of the credential's counter this instance already holds spares the statement the counter.
        let meter = command.meter.flatMap { leases.spend($0) ? nil : $0 }
        let units = meter.map { keepsBlock ? CounterLeases.block(for: $0) : 1 } ?? 0
        let rows = try await connection.query(
            checkStatement(command, meter: meter, units: units, phone: phone, bucket: bucket, sid: sid, candidates))
        if let meter, let row = rows.single() {
            let tally = AbuseTally(meters: [try AbuseCounting.meter(meter, row: row)], prefix: nil)
            if tally.isContended { throw CheckContended() }
            // This check spends one of the units it took.
            leases.keep(
                try row.decode("units", as: Int.self) - 1, of: meter,
                secondsLeft: try row.decode("window_seconds", as: Int.self))
            let refusals = AbusePolicy.judge(tally, settings: command.abuse)
            if !refusals.isEmpty { recorded = (refusals, phone) }
            if let refusal = refusals.first, refusal.enforced { return .refused(refusal.error) }
        }
        guard let row = rows.single(), try row.decode("live_sid", as: String?.self) != nil else { return .notFound }
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

    /// `verifyd_check_metered` (migration 0012): with `meter` it first takes `units` of the credential's counter and
    /// compares nothing unless it took at least one (or the rule only records); it checks only a live service's
    /// verifications; with the prefix rule on, an approval counts for the number's prefix in the same call, in the
    /// session's shard (`AbuseCounting.sessionShard`), since an approval is what tells a prefix's real users from
    /// pumping. A check's answer has no `lookup`, so the function, like `verifyd_check` before it, need not return it.
    static func checkStatement(
        _ command: CheckCommand, meter: AbuseMeter?, units: Int, phone: PhoneNumber, bucket: Int,
        sid: VerificationSid?, _ candidates: (PhoneNumber) -> CodeCandidates
    ) -> PostgresQuery {
        let hmacs = candidates(phone)
        let enforced = meter.map { !command.abuse.recordOnly.contains($0.rule) } ?? true
        let prefix = command.prefixRule.isOn ? command.prefixRule.prefix(of: phone) : nil
        return """
            SELECT *, NULL::text AS lookup_line_type
            FROM verifyd_check_metered(\(meter?.rule.rawValue), \(meter?.subject), \(units)::integer,
                \(meter?.limit)::integer, \(meter?.shards)::integer,
                \(meter.map { Int.random(in: 0..<$0.shards) })::integer, \(enforced), \(prefix),
                \(fragment: AbuseCounting.sessionShard(from: 0, shards: command.abuse.shards)), \(bucket)::integer,
                \(command.service.rawValue), \(phone.e164), \(sid?.rawValue), \(PostgresArray(hmacs.keyIDs)),
                \(PostgresArray(hmacs.hashes)),
                \(command.failureCap)::integer, \(failureWindow)::integer)
            """
    }
}
