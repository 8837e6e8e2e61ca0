import Logging
import ServiceLifecycle
import VerifyCore

/// Turns pending verifications past their validity into `expired` and erases their code ciphertext, so a code
/// nobody asks about again does not stay decryptable in the database until the phone is used once more. Deletes
/// rate-limit, abuse and failed-authentication counters whose window has ended and idempotency answers past their
/// 24 hours, which nothing reads again.
struct ExpirySweeper: Service {
    let verifications: any VerificationStore
    let rateLimits: any RateLimitStore
    let throttle: AuthenticationThrottle
    let abuse: any AbuseStore
    let interval: Duration
    let batchSize: Int
    let metrics: any VerifyMetrics
    let numbers: any NumberIntelligence
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                var expired = 0
                repeat {
                    let ended = try await verifications.expireOverdue(limit: batchSize)
                    for verification in ended {
                        metrics.verification(
                            .expired, channel: verification.channel, country: numbers.region(for: verification.to)
                        )
                    }
                    expired = ended.count
                    if expired > 0 { logger.info("verification.expired", metadata: ["count": "\(expired)"]) }
                } while expired == batchSize && !Task.isShuttingDownGracefully
                while try await rateLimits.deleteExpiredCounters(limit: batchSize) == batchSize,
                    !Task.isShuttingDownGracefully
                {}
                while try await abuse.deleteEnded(limit: batchSize) == batchSize, !Task.isShuttingDownGracefully {}
                while try await throttle.purgeEnded(limit: batchSize) == batchSize, !Task.isShuttingDownGracefully {}
                while try await verifications.deleteExpiredIdempotencyKeys(limit: batchSize) == batchSize,
                    !Task.isShuttingDownGracefully
                {}
            } catch {
                logger.warning("expiry.sweep.failed", metadata: ["error": "\(error)"])
            }
            // Graceful shutdown cuts the wait short, so stopping never waits a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
