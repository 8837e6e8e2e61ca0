import Hummingbird
import Logging
import VerifyCore

/// `/v2/Services/{VA}/RateLimits` and `…/RateLimits/{RK}/Buckets`: Twilio's Service Rate Limits API. Create answers
/// 201, fetch, list and update 200, delete 204.
struct RateLimitRoutes: Sendable {
    let rateLimits: any RateLimitStore
    let json: ResourceJSON

    func register(on router: RouterGroup<APIRequestContext>) {
        let limits = "/v2/Services/{service}/RateLimits"
        router.post(RouterPath(limits)) { request, context in try await create(request, context) }
        router.get(RouterPath(limits)) { request, context in try await list(request, context) }
        router.get(RouterPath(limits + "/{rateLimit}")) { _, context in try await fetch(context) }
        router.post(RouterPath(limits + "/{rateLimit}")) { request, context in try await update(request, context) }
        router.delete(RouterPath(limits + "/{rateLimit}")) { _, context in try await delete(context) }

        let buckets = limits + "/{rateLimit}/Buckets"
        router.post(RouterPath(buckets)) { request, context in try await createBucket(request, context) }
        router.get(RouterPath(buckets)) { request, context in try await listBuckets(request, context) }
        router.get(RouterPath(buckets + "/{bucket}")) { _, context in try await fetchBucket(context) }
        router.post(RouterPath(buckets + "/{bucket}")) { request, context in
            try await updateBucket(request, context)
        }
        router.delete(RouterPath(buckets + "/{bucket}")) { _, context in try await deleteBucket(context) }
    }

    // MARK: Rate limits

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        guard let uniqueName = try parameters["UniqueName"] else { throw VerifyError.invalid("UniqueName") }
        guard RateLimit.isValidUniqueName(uniqueName) else { throw VerifyError(.invalidUniqueName) }
        let rateLimit = try await rateLimits.createRateLimit(
            service: service, uniqueName: uniqueName, description: try Self.description(parameters))
        context.logger.info("rate_limit.created", metadata: ["sid": "\(rateLimit.sid)", "service": "\(service)"])
        return json.rateLimit(rateLimit).response(status: .created)
    }

    private func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try ServiceRoutes.serviceSid(context)
        let page = try ListPage<RateLimitKind>(request)
        guard
            let rows = try await rateLimits.rateLimits(
                service: service, after: page.cursor, offset: page.offset, limit: page.limit)
        else { throw ServiceRoutes.notFound(service) }
        return page.response(
            rows, key: "rate_limits", path: "/Services/\(service)/RateLimits", publicURL: json.publicURL,
            render: json.rateLimit, position: { PageCursor(after: $0.sid, createdAt: $0.createdAt) })
    }

    private func fetch(_ context: APIRequestContext) async throws -> Response {
        let (service, sid) = try Self.rateLimitSid(context)
        guard let rateLimit = try await rateLimits.rateLimit(sid, service: service) else {
            throw VerifyError(.notFound(.rateLimit(service, sid)))
        }
        return json.rateLimit(rateLimit).response()
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (service, sid) = try Self.rateLimitSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        guard
            let rateLimit = try await rateLimits.updateRateLimit(
                sid, service: service, description: try Self.description(parameters))
        else { throw VerifyError(.notFound(.rateLimit(service, sid))) }
        return json.rateLimit(rateLimit).response()
    }

    private func delete(_ context: APIRequestContext) async throws -> Response {
        let (service, sid) = try Self.rateLimitSid(context)
        guard try await rateLimits.deleteRateLimit(sid, service: service) else {
            throw VerifyError(.notFound(.rateLimit(service, sid)))
        }
        context.logger.info("rate_limit.deleted", metadata: ["sid": "\(sid)", "service": "\(service)"])
        return Response(status: .noContent)
    }

    // MARK: Buckets

    private func createBucket(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (service, rateLimit) = try Self.rateLimitSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        guard let max = try Self.max(parameters) else { throw VerifyError.invalid("Max") }
        guard let interval = try Self.interval(parameters) else { throw VerifyError.invalid("Interval") }
        let bucket = try await rateLimits.createBucket(
            service: service, rateLimit: rateLimit, max: max, interval: interval)
        context.logger.info(
            "rate_limit.bucket.created",
            metadata: [
                "sid": "\(bucket.sid)", "rate_limit": "\(rateLimit)", "max": "\(max)", "interval": "\(interval)",
            ]
        )
        return json.bucket(bucket).response(status: .created)
    }

    private func listBuckets(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (service, rateLimit) = try Self.rateLimitSid(context)
        let page = try ListPage<BucketKind>(request)
        guard
            let rows = try await rateLimits.buckets(
                rateLimit: rateLimit, service: service, after: page.cursor, offset: page.offset, limit: page.limit)
        else { throw VerifyError(.notFound(.rateLimit(service, rateLimit))) }
        return page.response(
            rows, key: "buckets", path: "/Services/\(service)/RateLimits/\(rateLimit)/Buckets",
            publicURL: json.publicURL, render: json.bucket,
            position: { PageCursor(after: $0.sid, createdAt: $0.createdAt) })
    }

    private func fetchBucket(_ context: APIRequestContext) async throws -> Response {
        let (service, rateLimit, sid) = try Self.bucketSid(context)
        guard let bucket = try await rateLimits.bucket(sid, rateLimit: rateLimit, service: service) else {
            throw VerifyError(.notFound(.bucket(service, rateLimit, sid)))
        }
        return json.bucket(bucket).response()
    }

    private func updateBucket(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (service, rateLimit, sid) = try Self.bucketSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        let max = try Self.max(parameters)
        let interval = try Self.interval(parameters)
        guard
            let bucket = try await rateLimits.updateBucket(
                sid, rateLimit: rateLimit, service: service, max: max, interval: interval)
        else { throw VerifyError(.notFound(.bucket(service, rateLimit, sid))) }
        context.logger.info(
            "rate_limit.bucket.updated",
            metadata: ["sid": "\(sid)", "max": "\(bucket.max)", "interval": "\(bucket.interval)"])
        return json.bucket(bucket).response()
    }

    private func deleteBucket(_ context: APIRequestContext) async throws -> Response {
        let (service, rateLimit, sid) = try Self.bucketSid(context)
        guard try await rateLimits.deleteBucket(sid, rateLimit: rateLimit, service: service) else {
            throw VerifyError(.notFound(.bucket(service, rateLimit, sid)))
        }
        context.logger.info("rate_limit.bucket.deleted", metadata: ["sid": "\(sid)", "rate_limit": "\(rateLimit)"])
        return Response(status: .noContent)
    }

    // MARK: Parameters

    private static func description(_ parameters: RequestParameters) throws -> String? {
        try parameters.checked("Description") { RateLimit.isValidDescription($0) ? $0 : nil }
    }

    private static func max(_ parameters: RequestParameters) throws -> Int? {
        try parameters.checked("Max") { Int($0).flatMap { RateLimitBucket.maxRange.contains($0) ? $0 : nil } }
    }

    private static func interval(_ parameters: RequestParameters) throws -> Int? {
        try parameters.checked("Interval") { Int($0).flatMap { RateLimitBucket.intervalRange.contains($0) ? $0 : nil } }
    }

    /// The service and rate limit SIDs of the path; a malformed one names no resource (404).
    private static func rateLimitSid(_ context: APIRequestContext) throws -> (ServiceSid, RateLimitSid) {
        let service = try ServiceRoutes.serviceSid(context)
        let raw = context.parameters.get("rateLimit") ?? ""
        guard let sid = RateLimitSid(raw) else {
            throw APIError.notFound(path: "/Services/\(service)/RateLimits/\(raw.prefix(34))")
        }
        return (service, sid)
    }

    private static func bucketSid(_ context: APIRequestContext) throws -> (ServiceSid, RateLimitSid, BucketSid) {
        let (service, rateLimit) = try rateLimitSid(context)
        let raw = context.parameters.get("bucket") ?? ""
        guard let sid = BucketSid(raw) else {
            throw APIError.notFound(path: "/Services/\(service)/RateLimits/\(rateLimit)/Buckets/\(raw.prefix(34))")
        }
        return (service, rateLimit, sid)
    }
}
