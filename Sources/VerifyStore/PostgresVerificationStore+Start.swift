import Postgres
import VerifyCore

extension PostgresVerificationStore {
    public func start(
        _ command: StartCommand,
        prepare: @escaping @Sendable (VerifyService) throws -> PreparedCode
    ) async throws -> StartOutcome {
        try await client.withTransaction { connection in
            // A start that races another for the same phone can lose the insert; it then finds the winner's pending
            // verification on the next pass and re-sends that one instead.
            for _ in 0..<3 {
                let rows = try await connection.query(Self.startState(command))
                guard let row = rows.single() else {
                    throw VerifyError(.notFound(resource: "/Services/\(command.service)"))
                }
                let service = try VerifyService(row: row)
                let state = try StartState(row: row, at: VerifyService.columnCount)
                let prepared = try prepare(service)
                switch VerificationPolicy.start(
                    phone: state.phone, live: state.live, channel: command.channel, failureCap: command.failureCap)
                {
                case .refuse(let error):
                    throw error
                case .resend(let sid):
                    return try await Self.resend(sid, command: command, service: service, on: connection)
                case .create(let expiring):
                    if let outcome = try await Self.create(
                        command, service: service, prepared: prepared, expiring: expiring, on: connection)
                    {
                        return outcome
                    }
                }
            }
            throw VerifyError(.tooManyConcurrentRequests, retryAfter: 1)
        }
    }

    /// The service, what is known about the phone, and its live verification locked `FOR UPDATE`, in one statement.
    static func startState(_ command: StartCommand) -> PostgresQuery {
        let bucket = command.to.bucket
        let phone = command.to.e164
        return """
            SELECT \(fragment: VerifyService.columns),
                p.blocked_at IS NOT NULL, p.opted_out_at IS NOT NULL, coalesce(f.consecutive_failures, 0),
                coalesce(ceil(extract(epoch FROM f.last_failure_at - now())) + \(failureWindow), 0)::integer,
                \(fragment: LiveVerification.columns)
            FROM services s
            LEFT JOIN phones p ON p.bucket = \(bucket) AND p.phone = \(phone)
            LEFT JOIN phone_check_failures f ON f.bucket = \(bucket) AND f.service_sid = s.sid AND f.phone = \(phone)
            LEFT JOIN LATERAL (
                SELECT * FROM verifications
                WHERE bucket = \(bucket) AND service_sid = s.sid AND phone = \(phone)
                    AND status IN ('pending', 'max_attempts_reached')
                ORDER BY created_at DESC LIMIT 1
                FOR UPDATE
            ) v ON true
            WHERE s.sid = \(command.service.rawValue)
            """
    }

    /// Inserts the verification and its first attempt in one statement; nil when a concurrent start won the slot.
    private static func create(
        _ command: StartCommand, service: VerifyService, prepared: PreparedCode, expiring: VerificationSid?,
        on connection: PostgresConnection
    ) async throws -> StartOutcome? {
        let sid = command.newSid
        let settings = service.settings
        let details = command.details
        var statements: [PostgresQuery] = []
        if let expiring {
            statements.append(
                """
                UPDATE verifications SET status = 'expired', code_ciphertext = NULL, updated_at = now()
                WHERE bucket = \(expiring.bucket) AND sid = \(expiring.rawValue) AND status = 'pending'
                """)
        }
        statements.append(
            """
            WITH v AS (
                INSERT INTO verifications (
                    bucket, sid, service_sid, phone, channel, status, locale, custom_friendly_name, app_hash, tags,
                    device_ip, key_id, code_hash, code_ciphertext, max_check_attempts, max_send_attempts, expires_at)
                VALUES (
                    \(sid.bucket), \(sid.rawValue), \(service.sid.rawValue), \(command.to.e164),
                    \(command.channel.rawValue), 'pending', \(command.locale), \(details.customFriendlyName),
                    \(details.appHash), \(details.tags)::jsonb, \(details.deviceIP), \(prepared.sealed.keyID),
                    \(prepared.sealed.hash), \(prepared.sealed.ciphertext), \(settings.maxCheckAttempts),
                    \(settings.maxSendAttempts), now() + \(settings.codeValiditySeconds) * interval '1 second')
                ON CONFLICT (bucket, service_sid, phone) WHERE status = 'pending' DO NOTHING
                RETURNING *
            ), a AS (
                \(fragment: attemptInsert(command))
            )
            SELECT \(fragment: Verification.columns), a.created_at, a.status,
                ceil(extract(epoch FROM v.expires_at - now()))::integer
            FROM v, a
            """)
        let results = try await connection.pipeline(statements)
        guard let row = results[results.count - 1].single() else { return nil }
        let attemptsAt = Verification.columnCount
        let attempt = SendAttempt(
            sid: command.attemptSid, channel: command.channel, time: try row.decode(attemptsAt),
            status: try row.value(attemptsAt + 1, as: DeliveryStatus.self))
        return StartOutcome(
            verification: try Verification(row: row, attempts: [attempt]), service: service,
            code: .new(prepared.code), secondsUntilExpiry: try row.decode(attemptsAt + 2))
    }

    private static func resend(
        _ sid: VerificationSid, command: StartCommand, service: VerifyService, on connection: PostgresConnection
    ) async throws -> StartOutcome {
        let details = command.details
        let results = try await connection.pipeline([
            """
            WITH v AS (
                UPDATE verifications SET send_count = send_count + 1, channel = \(command.channel.rawValue),
                    locale = coalesce(\(command.locale), locale),
                    custom_friendly_name = coalesce(\(details.customFriendlyName), custom_friendly_name),
                    app_hash = coalesce(\(details.appHash), app_hash), updated_at = now()
                WHERE bucket = \(sid.bucket) AND sid = \(sid.rawValue)
                RETURNING *
            ), a AS (
                \(fragment: attemptInsert(command))
            )
            SELECT \(fragment: Verification.columns), v.code_ciphertext, v.key_id,
                ceil(extract(epoch FROM v.expires_at - now()))::integer
            FROM v, a
            """,
            SendAttempt.query(bucket: sid.bucket, verification: sid),
        ])
        let row = results[0][0]
        let codeAt = Verification.columnCount
        return StartOutcome(
            verification: try Verification(row: row, attempts: SendAttempt.decodeAll(results[1])), service: service,
            code: .stored(ciphertext: try row.decode(codeAt), keyID: try row.decode(codeAt + 1)),
            secondsUntilExpiry: try row.decode(codeAt + 2))
    }

    /// The attempt row for this send, written claimed (`sending`, with a lease) when this instance sends it right
    /// after commit, else `queued` for the dispatcher. Reads the verification from a CTE named `v`.
    private static func attemptInsert(_ command: StartCommand) -> PostgresQuery {
        let status = command.claimAttempt ? DeliveryStatus.sending : .queued
        return """
            INSERT INTO delivery_attempts (bucket, sid, verification_sid, channel, status, lease_expires_at)
            SELECT v.bucket, \(command.attemptSid.rawValue), v.sid, v.channel, \(status.rawValue),
                CASE WHEN \(command.claimAttempt) THEN now() + \(command.leaseSeconds) * interval '1 second' END
            FROM v
            RETURNING created_at, status
            """
    }
}

/// What the start statement read about the phone and its live verification.
private struct StartState {
    var phone: PhoneStanding
    var live: LiveVerification?

    init(row: PostgresRow, at offset: Int) throws {
        phone = PhoneStanding(
            isBlocked: try row.decode(offset), isOptedOut: try row.decode(offset + 1),
            consecutiveFailures: try row.decode(offset + 2), secondsUntilFailuresDecay: try row.decode(offset + 3))
        live = try LiveVerification(row: row, at: offset + 4)
    }
}
