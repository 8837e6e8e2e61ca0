import Postgres
import VerifyCore

extension Verification {
    /// The columns `init(row:at:attempts:)` reads, in order, from `verifications` aliased `v`.
    static let columns: PostgresQuery = """
        v.sid, v.service_sid, v.phone, v.channel, v.status, v.locale, v.check_attempts, v.created_at, v.updated_at, \
        v.expires_at
        """
    static let columnCount = 10

    init(row: PostgresRow, at offset: Int = 0, attempts: [SendAttempt]) throws {
        self.init(
            sid: try row.sid(offset),
            serviceSid: try row.sid(offset + 1),
            to: try row.phone(offset + 2),
            channel: try row.value(offset + 3, as: Channel.self),
            status: try row.value(offset + 4, as: VerificationStatus.self),
            locale: try row.decode(offset + 5),
            checkAttempts: try row.decode(offset + 6),
            sendAttempts: attempts,
            createdAt: try row.decode(offset + 7),
            updatedAt: try row.decode(offset + 8),
            expiresAt: try row.decode(offset + 9)
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
                sid: try row.sid(0),
                channel: try row.value(1, as: Channel.self),
                time: try row.decode(2),
                status: try row.value(3, as: DeliveryStatus.self),
                errorCode: try row.decode(4)
            )
        }
    }
}
