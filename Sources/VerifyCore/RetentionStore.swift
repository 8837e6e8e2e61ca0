import Foundation

/// Removes what verifyd no longer needs. Each call is one small batch in one transaction and returns how many rows it
/// removed. Every instance runs the retention service, so a batch first takes its kind's transaction-level advisory
/// lock (which pgbouncer's transaction mode keeps): when another instance holds it, the call removes nothing. Rows a
/// start or a check has locked are skipped, never waited for.
///
/// The cutoffs come from the caller's clock, the database's in production, so tests can move time.
public protocol RetentionStore: Sendable {
    /// The database clock, the one every time window is measured by.
    func now() async throws -> Date

    /// Deletes finished verifications created before `cutoff`, with their delivery attempts.
    func deleteVerifications(createdBefore cutoff: Date, limit: Int) async throws -> Int

    /// Deletes per-(service, phone) failure counts with no failure since `cutoff` (their 24 hours have passed).
    func deleteFailureCounts(lastFailureBefore cutoff: Date, limit: Int) async throws -> Int

    /// Deletes phone rows with no block, no opt-out and no history left (verifications, failure counts, STOP or
    /// START receipts) that did not change since `cutoff`. A phone with receipts stays: without them a replayed STOP
    /// would act again.
    func deleteIdlePhones(unchangedSince cutoff: Date, limit: Int) async throws -> Int

    /// Deletes up to `limit` rows of one deleted service, and the service itself once nothing else is left.
    func purgeDeletedServices(limit: Int) async throws -> Int
}
