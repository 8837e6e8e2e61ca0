import Postgres
import VerifyCore

extension PendingCode {
    /// The columns besides `Verification.columns` that `init(row:service:code:)` reads, from `v`.
    static let columns: PostgresQuery = """
        v.custom_friendly_name, v.app_hash, \(fragment: Verification.secondsUntilExpiry)
        """

    init(row: PostgresRow, service: VerifyService, code: Code, attempts: [SendAttempt] = []) throws {
        self.init(
            verification: try Verification(row: row, attempts: attempts), service: service,
            customFriendlyName: try row.decode("custom_friendly_name"), appHash: try row.decode("app_hash"),
            code: code, secondsUntilExpiry: try row.decode("seconds_until_expiry"))
    }

    /// The stored code: `v.code_ciphertext` and `v.key_id` must be in the row.
    static func sealed(_ row: PostgresRow) throws -> Code {
        .sealed(ciphertext: try row.decode("code_ciphertext"), keyID: try row.decode("key_id"))
    }
}
