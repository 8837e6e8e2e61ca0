import Postgres
import VerifyCore

extension LiveVerification {
    /// The columns `init(row:)` reads, by name, from `verifications` aliased `v` (possibly the NULL side of a join).
    static let columns: PostgresQuery = """
        v.sid, v.status, v.send_count, v.max_send_attempts, \(fragment: Verification.secondsUntilExpiry)
        """

    /// Nil when the columns are NULL: there is no live verification.
    init?(row: PostgresRow) throws {
        guard let sid = try row.decode("sid", as: String?.self) else { return nil }
        guard let verificationSid = VerificationSid(sid) else { throw StoreError.malformed("VE SID", column: "sid") }
        self.init(
            sid: verificationSid,
            status: try row.value("status", as: VerificationStatus.self),
            sendCount: try row.decode("send_count"),
            maxSendAttempts: try row.decode("max_send_attempts"),
            secondsUntilExpiry: try row.decode("seconds_until_expiry")
        )
    }
}
