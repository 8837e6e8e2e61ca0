import HTTPAPI
import Hummingbird
import Logging
import NIOCore
import PhoneNumberMetadata
import Postgres
import ServiceLifecycle
import Twilio
import UnixSignals
import VerifyCore
import VerifyStore

/// A built instance of `verifyd serve`: the HTTP application with its services, and the drain step in front of it.
public struct VerifydApplication: Service {
    /// The Hummingbird application; its own services (the pool, the dispatcher) start before the server and stop
    /// after it.
    public let application: Application<RouterResponder<APIRequestContext>>
    public let postgres: PostgresClient
    public let readiness: Readiness
    /// Every route the router serves, as `METHOD /path/{parameter}` (the OpenAPI document's test compares them).
    public let routes: [String]
    let drain: DrainService
    let logger: Logger

    /// Runs until SIGTERM or SIGINT, then: readiness turns 503 at once, requests are served for the drain period,
    /// the listener closes and in-flight requests finish, the dispatcher and then the pool stop.
    public func run() async throws {
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: application),
                // Last in the list, so first to be told to shut down.
                .init(service: drain, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // Orchestrators kill after 30 s; whatever still runs after 25 is cancelled so the process ends on its own.
        configuration.maximumGracefulShutdownDuration = .seconds(25)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// Assembles verifyd from its settings: the one place that sees every module. Tests call it with test values.
///
/// - Parameters:
///   - migrations: the migrations this binary carries; serving requires all of them applied.
///   - migrateFirst: apply pending migrations instead of refusing to start.
///   - sender: replaces the configured delivery (tests pass a recording sender).
///   - now: the clock of the per-instance caches (unknown API keys, blocked client addresses); tests move it.
public func buildApplication(
    _ settings: ServeSettings,
    migrations: [Migration],
    migrateFirst: Bool = false,
    sender: (any CodeSender)? = nil,
    now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
    logger: Logger
) async throws -> VerifydApplication {
    var logger = logger
    // Every line names its instance, and every line a request causes names the request.
    logger[metadataKey: "instance"] = .string(InstanceIdentity.current)
    logger.handler.metadataProvider = RequestLogContext.metadataProvider
    let postgres = PostgresClient(configuration: settings.database.postgres, logger: logger)
    do {
        let runner = try MigrationRunner(client: postgres, migrations: migrations, logger: logger)
        try await StartupChecks.verifySchema(runner, migrateFirst: migrateFirst, logger: logger)
        let services = PostgresServiceStore(client: postgres)
        try await StartupChecks.verifyDefaultService(settings.defaultService, services: services)

        let keyring = try CodeKeyring(current: settings.codeKey, previous: settings.previousCodeKeys)
        let delivery = try DeliveryWiring.make(settings, override: sender, logger: logger)
        if settings.delivery.mode == .console {
            logger.warning("delivery.console", metadata: ["note": "codes are written to this log; development only"])
        }
        let deliveries = PostgresDeliveryStore(client: postgres)
        let verifications = PostgresVerificationStore(client: postgres)
        let rateLimits = PostgresRateLimitStore(client: postgres)
        let metrics = VerifydMetrics(
            sample: stateSampler(postgres: postgres, delivery: delivery, figures: HealthFigures(client: postgres)))
        let numbers = LibPhoneNumberIntelligence()
        let safeList = PostgresSafeListStore(client: postgres)
        settings.screening.log(to: logger)
        let verifier = Verifier(
            verifications: verifications, deliveries: deliveries,
            phones: PostgresPhoneStore(client: postgres), sender: delivery.sender, keyring: keyring,
            numbers: numbers, recentServices: RecentServiceSettings(), safeList: safeList,
            settings: Verifier.Settings(
                phoneFailureCap: settings.phoneFailureCap, sendImmediately: settings.delivery.fastPath,
                leaseSeconds: delivery.leaseSeconds,
                retryPolicy: RetryPolicy(baseDelaySeconds: settings.delivery.retryBase / .seconds(1)),
                screening: settings.screening.screening, abuse: settings.abuse),
            metrics: metrics, logger: logger)
        let readiness = Readiness(runner: runner)
        let throttle = AuthenticationThrottle(
            settings: settings.authThrottle, failures: PostgresAuthenticationFailureStore(client: postgres), now: now)
        let defaultService = DefaultServiceResolver(
            configured: settings.defaultService, name: settings.defaultServiceName, services: services)
        let router = buildRouter(
            APIDependencies(
                verifier: verifier, services: services, attempts: PostgresAttemptStore(client: postgres),
                rateLimits: rateLimits, safeList: safeList,
                authenticator: Authenticator(
                    root: .init(accountSid: settings.accountSid, tokens: settings.authTokens),
                    credentials: PostgresCredentialStore(client: postgres), now: now),
                throttle: throttle, trustedProxies: settings.trustedProxies,
                accountSid: settings.accountSid, publicURL: settings.publicURL,
                numbers: numbers, defaultRegion: settings.screening.defaultRegion,
                defaultService: { try await defaultService.sid(refresh: $0) },
                isReady: { await readiness.check() },
                webhooks: delivery.webhooks.map {
                    WebhookSettings(
                        validator: WebhookSignatureValidator(authTokens: $0.authTokens), rejectReason: $0.rejectReason)
                },
                retryAfterIfUnavailable: retryAfterIfDatabaseUnavailable, observeRequest: metrics.request,
                renderMetrics: metrics.render, logger: logger))
        let dispatcher = DeliveryDispatcher(
            verifier: verifier, sender: delivery.sender, deliveries: deliveries,
            interval: settings.delivery.dispatchInterval,
            leaseSeconds: delivery.leaseSeconds, batchSize: 32, owner: InstanceIdentity.current, logger: logger)
        // Started in this order, stopped in reverse: the sweeper and dispatcher first, then the Twilio client, the pool.
        var background: [any Service] = [postgres]
        if let twilio = delivery.twilio { background.append(TwilioClientService(client: twilio)) }
        background.append(dispatcher)
        background.append(
            ExpirySweeper(
                verifications: verifications, rateLimits: rateLimits, throttle: throttle,
                abuse: PostgresAbuseStore(client: postgres),
                interval: settings.delivery.dispatchInterval * 5, batchSize: 500, metrics: metrics, numbers: numbers,
                logger: logger))
        background.append(
            RetentionService(
                store: PostgresRetentionStore(client: postgres),
                settings: .init(retention: settings.retention, interval: settings.retentionInterval), logger: logger))
        if let metricsPort = settings.metricsPort {
            background.append(metricsListener(settings.host, metricsPort, render: metrics.render, logger: logger))
        }
        let application = Application(
            router: router,
            server: httpServer(settings.httpLimits),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "verifyd"),
            services: background,
            logger: logger
        )
        return VerifydApplication(
            application: application, postgres: postgres, readiness: readiness,
            routes: router.routes.map(\.description),
            drain: DrainService(readiness: readiness, drain: settings.shutdownDrain), logger: logger)
    } catch {
        await postgres.close()
        throw error
    }
}

/// The scraper's own listener, `/metrics` without authentication: bind it where only the scraper reaches. Its
/// server logs at warning and above, so that "listening on" names the API's port alone; this port is logged as
/// `metrics.listening`.
func metricsListener(_ host: String, _ port: Int, render: @escaping @Sendable () async -> String, logger: Logger)
    -> some Service
{
    var quiet = logger
    quiet.logLevel = max(logger.logLevel, .warning)
    return Application(
        router: buildMetricsRouter(render: render),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "verifyd-metrics"),
        onServerRunning: { channel in
            logger.info("metrics.listening", metadata: ["port": "\(channel.localAddress?.port ?? port)"])
        },
        logger: quiet)
}

/// Reads the gauges of state for a scrape: the pool, the Twilio client and its breaker, and the shared outbox (left
/// as last read when the database does not answer).
func stateSampler(postgres: PostgresClient, delivery: DeliveryWiring, figures: HealthFigures)
    -> @Sendable (VerifydMetrics) async -> Void
{
    let sender = delivery.sender as? TwilioCodeSender
    let twilio = delivery.twilio
    return { metrics in
        let pool = postgres.poolStatistics
        metrics.set("verifyd_db_pool_connections", Double(pool.inUse), [("state", "in_use")])
        metrics.set("verifyd_db_pool_connections", Double(pool.idle), [("state", "idle")])
        metrics.set("verifyd_db_pool_capacity", Double(pool.capacity))
        metrics.set("verifyd_db_pool_waiting", Double(pool.waiting))
        metrics.advance("verifyd_db_pool_waits_total", to: Double(pool.waits))
        metrics.advance("verifyd_db_pool_wait_seconds_total", to: pool.waited / .seconds(1))
        if let twilio {
            metrics.set(
                "verifyd_twilio_transfers_in_flight", Double(twilio.configuration.maxInFlight - twilio.freeSlots))
        }
        if let sender { metrics.set("verifyd_twilio_circuit_state", Double(sender.circuitState)) }
        if let outbox = try? await figures.outbox() {
            metrics.set("verifyd_outbox_depth", Double(outbox.depth))
            metrics.set("verifyd_outbox_oldest_age_seconds", outbox.oldestAge)
        }
    }
}

/// `Retry-After` seconds for an error that means PostgreSQL is temporarily out of reach (pool exhausted, connect
/// failed or backing off, connection lost or silent, server shutting down or read-only); nil for any other error.
@Sendable func retryAfterIfDatabaseUnavailable(_ error: any Error) -> Int? {
    guard let retryAfter = (error as? PostgresError)?.retryAfter else { return nil }
    return max(1, Int((retryAfter / .seconds(1)).rounded(.up)))
}
