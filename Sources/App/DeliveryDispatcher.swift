import Logging
import ServiceLifecycle
import VerifyCore

/// Sends what the fast path did not: retries and, with the fast path off, every send. Runs on every instance;
/// `FOR UPDATE SKIP LOCKED` keeps two dispatchers off the same row. Each pass also turns attempts whose lease ran
/// out into `unknown`: their instance died mid-send and a resend could duplicate an SMS.
///
/// A pass claims only as many attempts as the sender has free slots, so every claimed send starts at once and its
/// lease never runs while it waits for capacity. Sends run beside the loop, which keeps claiming while slow ones are
/// in flight.
struct DeliveryDispatcher: Service {
    let verifier: Verifier
    let sender: any CodeSender
    let deliveries: any DeliveryStore
    let interval: Duration
    let leaseSeconds: Int
    let batchSize: Int
    let owner: String
    let logger: Logger

    func run() async throws {
        // Returning waits for the sends still in flight, each bounded by the Twilio timeout, so their outcomes are
        // recorded before the pool closes.
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var started: [(ClaimedAttempt, any DeliverySlot)] = []
                do {
                    started = try await pass()
                } catch {
                    logger.warning("dispatcher.pass.failed", metadata: ["error": "\(error)"])
                }
                for (attempt, slot) in started {
                    group.addTask { await send(attempt, via: slot) }
                }
                // A full batch means more may be due: claim again at once.
                if started.count == batchSize { continue }
                // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        }
    }

    /// One pass: expire dead leases, then claim as many due attempts as there are free slots (at most a batch) and
    /// reserve a slot for each; returns each attempt with its slot. Slots are reserved only for attempts in hand,
    /// so a pass that finds nothing due takes no capacity from starts; an attempt whose slot a start took meanwhile
    /// goes back to the queue untried, due at once.
    func pass() async throws -> [(ClaimedAttempt, any DeliverySlot)] {
        let expired = try await deliveries.expireLeases()
        if expired > 0 { logger.warning("dispatcher.leases.expired", metadata: ["attempts": "\(expired)"]) }
        let free = min(batchSize, sender.freeSlots)
        guard free > 0 else { return [] }
        var started: [(ClaimedAttempt, any DeliverySlot)] = []
        for attempt in try await deliveries.claimDue(limit: free, leaseSeconds: leaseSeconds, owner: owner) {
            if let slot = sender.reserve() {
                started.append((attempt, slot))
            } else {
                try await deliveries.record(
                    .unavailable(retryAfter: 0), for: attempt.attemptSid, retryIn: nil, failVerification: false)
            }
        }
        return started
    }

    private func send(_ attempt: ClaimedAttempt, via slot: any DeliverySlot) async {
        do {
            try await verifier.deliverClaimed(attempt, via: slot)
        } catch {
            logger.warning(
                "dispatcher.send.failed", metadata: ["attempt": "\(attempt.attemptSid)", "error": "\(error)"])
        }
    }
}
