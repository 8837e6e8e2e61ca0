import Logging
import ServiceLifecycle
import VerifyCore

/// Sends what the fast path did not: retries and, with the fast path off, every send. Runs on every instance;
/// `FOR UPDATE SKIP LOCKED` keeps two dispatchers off the same row. Each pass also turns attempts whose lease ran
/// out into `unknown`: their instance died mid-send and a resend could duplicate an SMS.
struct DeliveryDispatcher: Service {
    let verifier: Verifier
    let deliveries: any DeliveryStore
    let interval: Duration
    let leaseSeconds: Int
    let batchSize: Int
    let owner: String
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pass()
            } catch {
                logger.warning("dispatcher.pass.failed", metadata: ["error": "\(error)"])
            }
            // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass: expire dead leases, then claim and send due attempts, a batch at a time.
    func pass() async throws {
        let expired = try await deliveries.expireLeases()
        if expired > 0 { logger.warning("dispatcher.leases.expired", metadata: ["attempts": "\(expired)"]) }
        let claimed = try await deliveries.claimDue(limit: batchSize, leaseSeconds: leaseSeconds, owner: owner)
        await withTaskGroup(of: Void.self) { group in
            for attempt in claimed {
                group.addTask {
                    do {
                        try await verifier.deliverClaimed(attempt)
                    } catch {
                        logger.warning(
                            "dispatcher.send.failed",
                            metadata: ["attempt": "\(attempt.attemptSid)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
