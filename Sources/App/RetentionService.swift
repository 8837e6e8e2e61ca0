import Foundation
import Logging
import ServiceLifecycle
import VerifyCore

/// Keeps the database from growing without bound. Runs on every instance; each batch takes its kind's turn in the
/// database (see `RetentionStore`), so instances never delete the same rows and a dead instance leaves no lock
/// behind. One pass works each kind off in batches until a batch comes back short, then waits `interval`.
struct RetentionService: Service {
    struct Settings: Sendable {
        /// How long finished verifications and their delivery attempts are kept (`VERIFYD_RETENTION_DAYS`).
        var retention: Duration
        /// How long a phone row with nothing left may stay unchanged before it goes.
        var idlePhone: Duration = .seconds(86_400)
        var interval: Duration
        var batchSize = 500
    }

    let store: any RetentionStore
    let settings: Settings
    /// The time cutoffs are measured from: the database clock in production, a test's clock in tests.
    let now: @Sendable () async throws -> Date
    let logger: Logger

    init(
        store: any RetentionStore, settings: Settings, logger: Logger,
        now: (@Sendable () async throws -> Date)? = nil
    ) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now ?? { try await store.now() }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pass()
            } catch {
                logger.warning("retention.pass.failed", metadata: ["error": "\(error)"])
            }
            // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.interval) }
        }
    }

    /// One pass over every kind; returns how many rows each removed, for the log and for tests.
    @discardableResult
    func pass() async throws -> [String: Int] {
        let now = try await now()
        let limit = settings.batchSize
        let kinds: [(String, @Sendable () async throws -> Int)] = [
            (
                "verifications",
                { try await store.deleteVerifications(createdBefore: now - settings.retention, limit: limit) }
            ),
            (
                "failure_counts",
                {
                    try await store.deleteFailureCounts(
                        lastFailureBefore: now - .seconds(VerificationPolicy.failureWindowSeconds), limit: limit)
                }
            ),
            ("phones", { try await store.deleteIdlePhones(unchangedSince: now - settings.idlePhone, limit: limit) }),
            ("deleted_services", { try await store.purgeDeletedServices(limit: limit) }),
        ]
        var removed: [String: Int] = [:]
        for (kind, batch) in kinds {
            var total = 0
            var deleted = 0
            repeat {
                deleted = try await batch()
                total += deleted
            } while deleted == limit && !Task.isShuttingDownGracefully
            removed[kind] = total
            if total > 0 { logger.info("retention.deleted", metadata: ["kind": "\(kind)", "count": "\(total)"]) }
        }
        return removed
    }
}

extension Date {
    fileprivate static func - (date: Date, duration: Duration) -> Date {
        date.addingTimeInterval(-Double(duration.components.seconds))
    }
}
