import Logging
import ServiceLifecycle
import VerifyCore

/// Turns pending verifications past their validity into `expired` and erases their code ciphertext, so a code
/// nobody asks about again does not stay decryptable in the database until the phone is used once more. Deletes
/// rate-limit counters whose window has ended and idempotency answers past their 24 hours, which nothing reads again.
struct ExpirySweeper: Service {
    let verifications: any VerificationStore
    let rateLimits: any RateLimitStore
    let interval: Duration
    let batchSize: Int
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var expired = 0
                repeat {
                    expired = try await verifications.expireOverdue(limit: batchSize)
                    if expired > 0 { logger.info("verification.expired", metadata: ["count": "\(expired)"]) }
                } while expired == batchSize && !Task.isShuttingDownGracefully
                var deleted = 0
                repeat {
                    deleted = try await rateLimits.deleteExpiredCounters(limit: batchSize)
                } while deleted == batchSize && !Task.isShuttingDownGracefully
                repeat {
                    deleted = try await verifications.deleteExpiredIdempotencyKeys(limit: batchSize)
                } while deleted == batchSize && !Task.isShuttingDownGracefully
            } catch {
                logger.warning("expiry.sweep.failed", metadata: ["error": "\(error)"])
            }
            // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
