import Postgres
import VerifyCore

extension Verification {
    /// The columns `init(row:attempts:)` reads, by name, from `verifications` aliased `v`.
    static let columns: PostgresQuery = """
        v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at, \
        v.expires_at, v.lookup_line_type
        """

    /// Whole seconds of validity left by the database clock, rounded up, as `seconds_until_expiry`.
    static let secondsUntilExpiry: PostgresQuery =
        "ceil(extract(epoch FROM v.expires_at - now()))::integer AS seconds_until_expiry"

    /// Every way a verification stops being pending: the status, and the ciphertext erased with it.
    static func end(as status: VerificationStatus) -> PostgresQuery {
        "status = \(status.rawValue), code_ciphertext = NULL, updated_at = now()"
    }

    /// Marks the verification `expired` if it is still pending past its validity; a no-op otherwise.
    static func expire(_ sid: VerificationSid) -> PostgresQuery {
        """
        UPDATE verifications SET \(fragment: end(as: .expired))
        WHERE bucket = \(sid.bucket) AND sid = \(sid.rawValue) AND status = 'pending' AND expires_at <= now()
        """
    }

    init(row: PostgresRow, attempts: [SendAttempt]) throws {
        self.init(
            sid: try row.sid("sid"),
            serviceSid: try row.sid("service_sid"),
            to: try row.phone("phone"),
            channel: try row.value("channel", as: Channel.self),
            status: try row.value("status", as: VerificationStatus.self),
            locale: try row.decode("locale"),
            checkAttempts: try row.decode("check_attempts"),
            sendAttempts: attempts,
            createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"),
            expiresAt: try row.decode("expires_at"),
            lookup: try row.decode("lookup_line_type", as: String?.self).map { text in
                guard let lineType = LineType(rawValue: text) else {
                    throw StoreError.malformed("line type", column: "lookup_line_type")
                }
                return NumberLookup(lineType: lineType)
            }
        )
    }
}

extension SendAttempt {
    /// A verification's attempts, oldest first.
    static func query(bucket: Int, verification: VerificationSid) -> PostgresQuery {
        """
        SELECT sid, channel, created_at, status, error_code FROM delivery_attempts
        WHERE bucket = \(bucket) AND verification_sid = \(verification.rawValue) ORDER BY created_at, sid
        """
    }

    static func decodeAll(_ rows: PostgresRows) throws -> [SendAttempt] {
        try rows.map { row in
            SendAttempt(
                sid: try row.sid("sid"),
                channel: try row.value("channel", as: Channel.self),
                time: try row.decode("created_at"),
                status: try row.value("status", as: DeliveryStatus.self),
                errorCode: try row.decode("error_code")
            )
        }
    }
}
