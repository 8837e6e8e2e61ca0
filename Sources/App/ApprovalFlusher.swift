import Logging
import ServiceLifecycle
import VerifyStore

/// Writes the prefix rule's approvals this instance counted (`PostgresVerificationStore.flushApprovals`) every
/// `interval`, and once more as the instance stops: it stops after the HTTP server, so the last checks' approvals are in
/// that flush, and before the pool closes.
struct ApprovalFlusher: Service {
    let verifications: PostgresVerificationStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            do {
                try await verifications.flushApprovals()
                if failing { logger.info("approvals.flush.recovered") }
                failing = false
            } catch {
                // Kept for the next flush: a database away for a while delays the approvals, it does not lose them.
                // Logged once per outage, not four times a second.
                if !failing { logger.warning("approvals.flush.failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }
}
