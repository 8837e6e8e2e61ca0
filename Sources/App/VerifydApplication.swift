import HTTPAPI
import Hummingbird
import Logging
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
public func buildApplication(
    _ settings: ServeSettings,
    migrations: [Migration],
    migrateFirst: Bool = false,
    sender: (any CodeSender)? = nil,
    logger: Logger
) async throws -> VerifydApplication {
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
                screening: settings.screening.screening),
            logger: logger)
        let readiness = Readiness(runner: runner)
        let defaultService = DefaultServiceResolver(
            configured: settings.defaultService, name: settings.defaultServiceName, services: services)
        let router = buildRouter(
            APIDependencies(
                verifier: verifier, services: services, rateLimits: rateLimits,
                safeList: safeList,
                authenticator: Authenticator(
                    root: .init(accountSid: settings.accountSid, tokens: settings.authTokens),
                    credentials: PostgresCredentialStore(client: postgres)),
                accountSid: settings.accountSid, publicURL: settings.publicURL,
                numbers: numbers, defaultRegion: settings.screening.defaultRegion,
                defaultService: { try await defaultService.sid(refresh: $0) },
                isReady: { await readiness.check() },
                webhooks: delivery.webhooks.map {
                    WebhookSettings(
                        validator: WebhookSignatureValidator(authTokens: $0.authTokens), rejectReason: $0.rejectReason)
                },
                retryAfterIfUnavailable: retryAfterIfDatabaseUnavailable, logger: logger))
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
                verifications: verifications, rateLimits: rateLimits,
                interval: settings.delivery.dispatchInterval * 5, batchSize: 500, logger: logger))
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
            drain: DrainService(readiness: readiness, drain: settings.shutdownDrain), logger: logger)
    } catch {
        await postgres.close()
        throw error
    }
}

/// `Retry-After` seconds for an error that means PostgreSQL is temporarily out of reach (pool exhausted, connect
/// failed or backing off, connection lost or silent, server shutting down or read-only); nil for any other error.
@Sendable func retryAfterIfDatabaseUnavailable(_ error: any Error) -> Int? {
    guard let retryAfter = (error as? PostgresError)?.retryAfter else { return nil }
    return max(1, Int((retryAfter / .seconds(1)).rounded(.up)))
}
