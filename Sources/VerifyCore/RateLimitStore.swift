/// Storage for a service's rate limits and buckets. A start counts against the buckets inside its own transaction
/// (`VerificationStore.start`, by `StartRequest.meteredKeys`); here the counters are only swept.
///
/// Refusals throw `VerifyError`: a missing service or rate limit is `notFound`, a broken Twilio rule is its code
/// (60207, 60208, 60210, 60211). Lookups answer nil (or false) when nothing matches.
public protocol RateLimitStore: Sendable {
    func createRateLimit(service: ServiceSid, uniqueName: String, description: String?) async throws -> RateLimit
    func rateLimit(_ sid: RateLimitSid, service: ServiceSid) async throws -> RateLimit?
    /// The service's rate limits in creation order (keyset paging); nil when the service does not exist.
    func rateLimits(service: ServiceSid, after: PageCursor<RateLimitKind>?, offset: Int, limit: Int) async throws
        -> [RateLimit]?
    /// Sets the description; nil leaves it as it is.
    func updateRateLimit(_ sid: RateLimitSid, service: ServiceSid, description: String?) async throws -> RateLimit?
    /// Deletes the rate limit with its buckets and counters.
    func deleteRateLimit(_ sid: RateLimitSid, service: ServiceSid) async throws -> Bool

    func createBucket(service: ServiceSid, rateLimit: RateLimitSid, max: Int, interval: Int) async throws
        -> RateLimitBucket
    func bucket(_ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid) async throws -> RateLimitBucket?
    /// The rate limit's buckets in creation order; nil when the rate limit does not exist.
    func buckets(
        rateLimit: RateLimitSid, service: ServiceSid, after: PageCursor<BucketKind>?, offset: Int, limit: Int
    ) async throws -> [RateLimitBucket]?
    /// Sets `max` and `interval`; nil leaves one as it is. Counting continues in the new window shape at once.
    func updateBucket(_ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid, max: Int?, interval: Int?)
        async throws -> RateLimitBucket?
    func deleteBucket(_ sid: BucketSid, rateLimit: RateLimitSid, service: ServiceSid) async throws -> Bool

    /// Deletes up to `limit` counters whose window has ended; returns how many.
    func deleteExpiredCounters(limit: Int) async throws -> Int
}
