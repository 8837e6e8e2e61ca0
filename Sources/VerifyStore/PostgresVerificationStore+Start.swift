import Postgres
import VerifyCore

/// A start is two round trips: BEGIN with the transaction's limits, issue 9's counters (`AbuseCounting`), the
/// Service Rate Limits' buckets (`RateLimitCounting`) and the state read under a row lock, then the writes
/// `VerificationPolicy` decided on together with COMMIT. A start a counter or a bucket refuses rolls back (so it
/// counted nothing but the units it spent from a block this instance held, `CounterLeases`), and one an abuse counter
/// refused then records the refusal in one more statement; one that found a counter's free shards held by others
/// (`AbuseTally.isContended`) rolls back and runs again.
extension PostgresVerificationStore {
    public func start(
        _ request: StartRequest, settings: Verifier.Settings, idempotency: IdempotentRequest?,
        prepare: @escaping @Sendable (_ service: VerifyService, _ isSafeListed: Bool) throws -> PreparedCode
    ) async throws -> IdempotentOutcome<PendingCode> {
        // A start that races another for the same phone can lose the insert (its transaction then committed nothing
        // but an expiry); the next pass finds the winner's pending verification and re-sends that one instead. A
        // contended counter rolls back before anything was written, so the next pass starts afresh.
        // A meter is paid once per request: from units this instance holds (`CounterLeases`), or by a pass whose
        // transaction took them and committed.
        var paid = [Bool](repeating: false, count: request.meters.count)
        for pass in 1...AbuseCounting.passes {
            for index in request.meters.indices where !paid[index] {
                paid[index] = leases.spend(request.meters[index])
            }
            let meters = request.meters.indices.filter { !paid[$0] }.map { request.meters[$0] }
            let outcome: IdempotentOutcome<PendingCode>?
            var recorded: [AbuseRefusal] = []
            var taken: [TakenBlock] = []
            do {
                outcome = try await client.withTransaction { connection -> IdempotentOutcome<PendingCode>? in
                    guard let idempotency else {
                        return try await Self.start(
                            request, meters: meters, settings: settings, commit: true, prepare: prepare,
                            recorded: &recorded, taken: &taken, on: connection
                        )
                        .map { .acted($0) }
                    }
                    if let answer = try await Self.claim(idempotency, service: request.service, on: connection) {
                        return .replayed(answer)
                    }
                    let pending = try await Self.start(
                        request, meters: meters, settings: settings, commit: false, prepare: prepare,
                        recorded: &recorded, taken: &taken, on: connection)
                    let last = pending.map { Self.record(idempotency, $0.verification, service: request.service) }
                    try await connection.pipeline(
                        [last ?? Self.release(idempotency, service: request.service)], commit: true)
                    return pending.map { .acted($0) }
                }
            } catch let refused as AbuseRefused {
                try await record(refused.refusals, request: request, settings: settings)
                throw refused.refusals[0].error
            } catch is AbuseContended {
                try await AbuseCounting.backOff(after: pass)
                continue
            }
            // Committed: the meters are paid, and what their blocks took beyond this start is this instance's.
            paid = paid.map { _ in true }
            for block in taken {
                leases.keep(block.units - block.meter.units, of: block.meter, secondsLeft: block.secondsLeft)
            }
            try await record(recorded, request: request, settings: settings)
            if let outcome { return outcome }
        }
        throw VerifyError(.tooManyConcurrentRequests, retryAfter: 1)
    }

    /// A counter refused the start: thrown out of its transaction so that it rolls back.
    private struct AbuseRefused: Error {
        var refusals: [AbuseRefusal]
    }

    /// A counter's shards with room were all held: thrown out of the transaction, which then runs again.
    private struct AbuseContended: Error {}

    /// Units a meter's block took in a start's transaction, kept once it commits.
    private struct TakenBlock {
        var meter: AbuseMeter
        var units: Int
        var secondsLeft: Int
    }

    private func record(_ refusals: [AbuseRefusal], request: StartRequest, settings: Verifier.Settings) async throws {
        guard !refusals.isEmpty else { return }
        try await client.query(
            AbuseCounting.record(refusals, phone: request.to, blockSeconds: settings.abuse.prefix.blockSeconds))
    }

    /// The start's statements; with `commit` false the transaction stays open after its writes, for the answer.
    /// `meters` are those of the request this instance holds no units of; each takes a block.
    private static func start(
        _ request: StartRequest, meters: [AbuseMeter], settings: Verifier.Settings, commit: Bool,
        prepare: (VerifyService, Bool) throws -> PreparedCode, recorded: inout [AbuseRefusal],
        taken: inout [TakenBlock], on connection: PostgresConnection
    ) async throws -> PendingCode? {
        let prefix = AbusePolicy.prefix(for: request, settings: settings.abuse)
        let blocks = meters.map(CounterLeases.block)
        let counting = AbuseCounting.statements(
            meters: meters, blocks: blocks, prefix: prefix, settings: settings.abuse, phone: request.to)
        let buckets = try RateLimitCounting.statements(request.meteredKeys, service: request.service)
        let results = try await connection.pipeline(counting + buckets + [startState(request)])
        guard let row = results[counting.count + buckets.count].single() else {
            throw VerifyError(.notFound(.service(request.service)))
        }
        // A full bucket refuses before issue 9's limits judge: the caller went over a limit of its own, which is no
        // abuse refusal to record.
        try RateLimitCounting.check(
            results[counting.count..<(counting.count + buckets.count)], keys: request.meteredKeys)
        let tally = try AbuseCounting.tally(results.prefix(counting.count), meters: meters, prefix: prefix)
        if tally.isContended { throw AbuseContended() }
        for (index, meter) in meters.enumerated() where blocks[index] > meter.units {
            let row = results[index][0]
            taken.append(
                TakenBlock(
                    meter: meter, units: try row.decode("units"),
                    secondsLeft: try row.decode("window_seconds", as: Int?.self) ?? 0))
        }
        let refusals = AbusePolicy.judge(tally, settings: settings.abuse)
        if refusals.first?.enforced == true { throw AbuseRefused(refusals: refusals) }
        recorded = refusals
        let service = try VerifyService(row: row)
        let phone = PhoneStanding(
            isBlocked: try row.decode("blocked"), isOptedOut: try row.decode("opted_out"),
            consecutiveFailures: try row.decode("consecutive_failures"),
            secondsUntilFailuresDecay: try row.decode("seconds_until_failures_decay"))
        let prepared = try prepare(service, try row.decode("safe_listed"))
        switch VerificationPolicy.start(
            phone: phone, live: try LiveVerification(row: row), channel: request.channel,
            failureCap: settings.phoneFailureCap)
        {
        case .refuse(let error):
            throw error
        case .resend(let sid):
            return try await resend(
                sid, request: request, settings: settings, service: service, commit: commit, on: connection)
        case .create(let expiring):
            return try await create(
                request, settings: settings, service: service, prepared: prepared, expiring: expiring,
                commit: commit, on: connection)
        }
    }

    /// The service, what is known about the phone (its Safe List entry too), and its live verification locked
    /// `FOR UPDATE`, in one statement (migration 0015, whose plan PostgreSQL keeps for the session). Its columns are
    /// `VerifyService.columns`, the phone's standing and `LiveVerification.columns`, by name.
    /// The phone's failure count is read here only to refuse sending to a capped number; the cap itself is enforced
    /// where guesses are compared, in the check.
    static func startState(_ request: StartRequest) -> PostgresQuery {
        """
        SELECT * FROM verifyd_start_state(\(request.to.bucket)::integer, \(request.service.rawValue),
            \(request.to.e164), \(PostgresArray(request.erasedPhoneDigests)), \(failureWindow)::integer)
        """
    }

    /// Inserts the verification and its first attempt in one statement and commits; nil when a concurrent start won
    /// the slot.
    private static func create(
        _ request: StartRequest, settings: Verifier.Settings, service: VerifyService, prepared: PreparedCode,
        expiring: VerificationSid?, commit: Bool, on connection: PostgresConnection
    ) async throws -> PendingCode? {
        let sid = request.newSid
        let serviceSettings = service.settings
        let details = request.details
        let sealed = prepared.sealed
        var statements: [PostgresQuery] = []
        if let expiring { statements.append(Verification.expire(expiring)) }
        let lease = settings.sendImmediately ? settings.leaseSeconds : nil
        // Migration 0015's function, whose plan PostgreSQL keeps for the session; its columns are
        // `Verification.columns`, `PendingCode.columns` and the attempt's, by name.
        statements.append(
            """
            SELECT * FROM verifyd_create_verification(\(sid.bucket)::integer, \(sid.rawValue),
                \(service.sid.rawValue), \(request.to.e164), \(request.channel.rawValue), \(request.locale),
                \(details.customFriendlyName), \(details.appHash), \(details.tags)::jsonb, \(details.deviceIP),
                \(sealed.keyID), \(sealed.hash), \(sealed.ciphertext), \(serviceSettings.maxCheckAttempts)::integer,
                \(serviceSettings.maxSendAttempts)::integer, \(serviceSettings.codeValiditySeconds)::integer,
                \(prepared.lookup?.lineType.rawValue), \(request.attemptSid.rawValue),
                \(Self.attemptStatus(settings).rawValue), \(lease)::integer)
            """)
        let results = try await connection.pipeline(statements, commit: commit)
        guard let row = results[results.count - 1].single() else { return nil }
        let attempt = SendAttempt(
            sid: request.attemptSid, channel: request.channel, time: try row.decode("attempt_created_at"),
            status: try row.value("attempt_status", as: DeliveryStatus.self))
        return try PendingCode(row: row, service: service, code: .new(prepared.code), attempts: [attempt])
    }

    private static func resend(
        _ sid: VerificationSid, request: StartRequest, settings: Verifier.Settings, service: VerifyService,
        commit: Bool, on connection: PostgresConnection
    ) async throws -> PendingCode {
        let details = request.details
        let results = try await connection.pipeline(
            [
                """
                WITH v AS (
                    UPDATE verifications SET send_count = send_count + 1, channel = \(request.channel.rawValue),
                        locale = coalesce(\(request.locale), locale),
                        custom_friendly_name = coalesce(\(details.customFriendlyName), custom_friendly_name),
                        app_hash = coalesce(\(details.appHash), app_hash), updated_at = now()
                    WHERE bucket = \(sid.bucket) AND sid = \(sid.rawValue)
                    RETURNING *
                ), a AS (
                    \(fragment: attemptInsert(request, settings: settings))
                )
                SELECT \(fragment: Verification.columns), \(fragment: PendingCode.columns), v.code_ciphertext, v.key_id
                FROM v, a
                """,
                SendAttempt.query(bucket: sid.bucket, verification: sid),
            ], commit: commit)
        let row = results[0][0]
        return try PendingCode(
            row: row, service: service, code: PendingCode.sealed(row), attempts: SendAttempt.decodeAll(results[1]))
    }

    /// The status of this send's attempt row: claimed (`sending`, with a lease) when this instance sends it right
    /// after commit, else `queued` for the dispatcher.
    private static func attemptStatus(_ settings: Verifier.Settings) -> DeliveryStatus {
        settings.sendImmediately ? .sending : .queued
    }

    /// The attempt row for this send (`attemptStatus`). Reads the verification from a CTE named `v`.
    private static func attemptInsert(_ request: StartRequest, settings: Verifier.Settings) -> PostgresQuery {
        let claim = settings.sendImmediately
        return """
            INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
            SELECT v.bucket, \(request.attemptSid.rawValue), v.sid, v.channel, \(attemptStatus(settings).rawValue),
                CASE WHEN \(claim) THEN now() + \(settings.leaseSeconds) * interval '1 second' END
            FROM v
            RETURNING created_at, status
            """
    }
}
