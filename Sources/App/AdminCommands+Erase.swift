import HTTPAPI
import VerifyCore
import VerifyStore

extension AdminCommands {
    /// `verifyd phones erase NUMBER`: removes the number's verifications, attempts, failure counts, receipts, abuse
    /// refusals, Safe List entry and phone row, and prints the counts; the number itself is neither printed nor logged. An opt-out survives as an
    /// HMAC under the code key, so the keys (`VERIFYD_CODE_KEY`, `VERIFYD_CODE_KEY_PREVIOUS`) must be set.
    public func erase(_ number: String) async throws -> Output {
        guard let phone = PhoneNumber(e164: number) else { return refusal("not an E.164 number (+ and 2–15 digits)") }
        guard let current = environment["VERIFYD_CODE_KEY"].flatMap(ServeSettings.key) else {
            return refusal("VERIFYD_CODE_KEY must be set (base64 of 32 bytes) to keep an opt-out as a keyed hash")
        }
        let previous = (environment["VERIFYD_CODE_KEY_PREVIOUS"] ?? "").split(separator: ",")
            .compactMap { ServeSettings.key(String($0)) }
        let keyring = try CodeKeyring(current: current, previous: previous)
        let erased = try await PostgresPhoneStore(client: client).erase(
            phone, digests: keyring.erasedPhoneDigests(of: phone))
        return Output(
            lines: [
                line(
                    .object([
                        ("erased", true), ("verifications", .int(erased.verifications)),
                        ("attempts", .int(erased.attempts)),
                        ("failure_counts", .int(erased.failureCounts)),
                        ("receipts", .int(erased.receipts)), ("refusals", .int(erased.refusals)),
                        ("safe_list_entries", .int(erased.safeListEntries)),
                        ("phone_rows", .int(erased.phoneRows)), ("opt_out_kept", .bool(erased.optOutKept)),
                    ]))
            ], refused: false)
    }
}
