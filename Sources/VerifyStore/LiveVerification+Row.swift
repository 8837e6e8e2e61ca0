import Postgres
import VerifyCore

extension LiveVerification {
    /// The columns `init(row:at:)` reads, from `verifications` aliased `v` (possibly the NULL side of a join).
    static let columns: PostgresQuery = """
        v.sid, v.status, v.check_attempts, v.max_check_attempts, v.send_count, v.max_send_attempts, \
        ceil(extract(epoch FROM v.expires_at - now()))::integer
        """
    static let columnCount = 7

    /// Nil when the columns are NULL: there is no live verification.
    init?(row: PostgresRow, at offset: Int) throws {
        guard let sid = try row.decode(offset, as: String?.self) else { return nil }
        guard let verificationSid = VerificationSid(sid) else { throw StoreError.malformed("VE SID", column: offset) }
        self.init(
            sid: verificationSid,
            status: try row.value(offset + 1, as: VerificationStatus.self),
            checkAttempts: try row.decode(offset + 2),
            maxCheckAttempts: try row.decode(offset + 3),
            sendCount: try row.decode(offset + 4),
            maxSendAttempts: try row.decode(offset + 5),
            secondsUntilExpiry: try row.decode(offset + 6)
        )
    }
}
