import Hummingbird
import VerifyCore

/// Builds every route of verifyd from its dependencies.
public func buildRouter(_ dependencies: APIDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: AccessLogMiddleware())
    router.add(middleware: UnknownRouteMiddleware())
    HealthRoutes(isReady: dependencies.isReady).register(on: router)

    let retryAfter = dependencies.retryAfterIfUnavailable
    let json = ResourceJSON(accountSid: dependencies.accountSid, publicURL: dependencies.publicURL)
    // Every group answers errors from one table (ErrorAnswer). The two API surfaces refuse other sites' browsers
    // before anything else, then ask for credentials; the webhooks check Twilio's signature instead.
    let api = router.group()
        .add(middleware: ErrorMiddleware(surface: .twilio, retryAfterIfUnavailable: retryAfter))
        .add(middleware: SameSiteMiddleware(publicURL: dependencies.publicURL))
        .add(middleware: BasicAuthMiddleware(authenticator: dependencies.authenticator))
    let verifier = dependencies.verifier
    ServiceRoutes(services: dependencies.services, json: json, changed: { verifier.serviceChanged($0) })
        .register(on: api)
    RateLimitRoutes(rateLimits: dependencies.rateLimits, json: json).register(on: api)
    SafeListRoutes(safeList: dependencies.safeList, json: json).register(on: api)
    VerificationRoutes(verifier: dependencies.verifier, rateLimits: dependencies.rateLimits, json: json)
        .register(on: api)

    let original = router.group()
        .add(middleware: ErrorMiddleware(surface: .plain, retryAfterIfUnavailable: retryAfter))
        .add(middleware: SameSiteMiddleware(publicURL: dependencies.publicURL))
        .add(middleware: BasicAuthMiddleware(authenticator: dependencies.authenticator))
    OriginalRoutes(
        verifier: dependencies.verifier, defaultService: dependencies.defaultService, numbers: dependencies.numbers,
        defaultRegion: dependencies.defaultRegion
    ).register(on: original)

    if let webhooks = dependencies.webhooks {
        let twilio = router.group()
            .add(middleware: ErrorMiddleware(surface: .plain, retryAfterIfUnavailable: retryAfter))
            .add(
                middleware: TwilioSignatureMiddleware(validator: webhooks.validator, publicURL: dependencies.publicURL))
        TwilioWebhookRoutes(verifier: dependencies.verifier, settings: webhooks, publicURL: dependencies.publicURL)
            .register(on: twilio)
    }
    return router
}
