import Hummingbird
import VerifyCore

/// Builds every route of verifyd from its dependencies.
public func buildRouter(_ dependencies: APIDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: AccessLogMiddleware(observe: dependencies.observeRequest))
    HealthRoutes(isReady: dependencies.isReady).register(on: router)
    OpenAPIDocument().register(on: router)

    let basicAuth = BasicAuthMiddleware(
        authenticator: dependencies.authenticator, throttle: dependencies.throttle,
        proxies: dependencies.trustedProxies)
    let retryAfter = dependencies.retryAfterIfUnavailable
    let metrics = dependencies.verifier.metrics
    let json = ResourceJSON(accountSid: dependencies.accountSid, publicURL: dependencies.publicURL)
    // Every group answers errors from one table (ErrorAnswer). The two API surfaces refuse other sites' browsers
    // before anything else, then ask for credentials; the webhooks check Twilio's signature instead.
    let api = router.group()
        .add(middleware: ErrorMiddleware(surface: .twilio, retryAfterIfUnavailable: retryAfter, metrics: metrics))
        .add(middleware: SameSiteMiddleware(publicURL: dependencies.publicURL))
        .add(middleware: basicAuth)
    let verifier = dependencies.verifier
    ServiceRoutes(services: dependencies.services, json: json, changed: { verifier.serviceChanged($0) })
        .register(on: api)
    RateLimitRoutes(rateLimits: dependencies.rateLimits, json: json).register(on: api)
    SafeListRoutes(safeList: dependencies.safeList, json: json).register(on: api)
    AttemptRoutes(attempts: dependencies.attempts, json: json).register(on: api)
    VerificationRoutes(verifier: dependencies.verifier, json: json).register(on: api)

    let original = router.group()
        .add(middleware: ErrorMiddleware(surface: .plain, retryAfterIfUnavailable: retryAfter, metrics: metrics))
        .add(middleware: SameSiteMiddleware(publicURL: dependencies.publicURL))
        .add(middleware: basicAuth)
    OriginalRoutes(
        verifier: dependencies.verifier, defaultService: dependencies.defaultService, numbers: dependencies.numbers,
        defaultRegion: dependencies.defaultRegion
    ).register(on: original)

    if let webhooks = dependencies.webhooks {
        let twilio = router.group()
            .add(middleware: ErrorMiddleware(surface: .plain, retryAfterIfUnavailable: retryAfter, metrics: metrics))
            .add(
                middleware: TwilioSignatureMiddleware(validator: webhooks.validator, publicURL: dependencies.publicURL))
        TwilioWebhookRoutes(verifier: dependencies.verifier, settings: webhooks, publicURL: dependencies.publicURL)
            .register(on: twilio)
    }
    if let render = dependencies.renderMetrics {
        let scrape = router.group()
            .add(middleware: ErrorMiddleware(surface: .plain, retryAfterIfUnavailable: retryAfter, metrics: metrics))
            .add(middleware: basicAuth)
        MetricsRoutes(render: render).register(on: scrape)
    }
    // Last, so it sees only requests that no route above matched.
    router.add(middleware: UnknownRouteMiddleware(routes: router.routes))
    return router
}
