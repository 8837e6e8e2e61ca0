import App
import Foundation
import Logging
import Postgres
import VerifyCore

/// verifyd as `serve` builds it, on a fresh database, with a recording sender and a logger that keeps every line.
public struct HTTPFixture: Sendable {
    public enum Delivery: Sendable {
        /// `VERIFYD_DELIVERY=console`: no Twilio account, so the `/twilio/…` webhooks are not routed.
        case console
        /// `VERIFYD_DELIVERY=twilio` with fake credentials: the webhooks are routed and checked.
        case twilio
    }

    public static let accountSid = "AC0123456789abcdef0123456789abcdef"
    public static let authToken = "primary-root-token-for-tests-0123456789"
    public static let secondaryAuthToken = "secondary-root-token-for-tests-0123456789"
    public static let publicURL = "https://verify.example.test"
    public static let twilioAuthToken = "twilio-primary-webhook-token"
    public static let twilioSecondaryAuthToken = "twilio-secondary-webhook-token"

    public let database: TestDatabase
    /// A client of the fixture's own, for reading and ageing rows; the apps have theirs.
    public let client: PostgresClient
    public let sender: RecordingCodeSender
    public let logs: HTTPFixtureLogs
    public let logger: Logger
    public let codeKey: [UInt8]
    /// The clock of every app's caches (unknown API keys, blocked client addresses).
    public let clock = TestClock()

    /// Runs `body` with a fixture and an app built from it, then closes everything and drops the database.
    @discardableResult
    public static func run<Result>(
        delivery: Delivery = .console,
        environment extra: [String: String] = [:],
        _ body: (HTTPFixture, VerifydApplication) async throws -> Result
    ) async throws -> Result {
        try await StoreFixtureGate.run {
            try await runUngated(delivery: delivery, environment: extra, body)
        }
    }

    private static func runUngated<Result>(
        delivery: Delivery, environment extra: [String: String],
        _ body: (HTTPFixture, VerifydApplication) async throws -> Result
    ) async throws -> Result {
        let database = try await TestDatabase.create()
        let logs = HTTPFixtureLogs()
        var logger = Logger(label: "verifyd.test") { label in HTTPFixtureLogHandler(label: label, logs: logs) }
        logger.logLevel = .trace
        let fixture = HTTPFixture(
            database: database, client: database.makeClient(poolSize: 2), sender: RecordingCodeSender(), logs: logs,
            logger: logger, codeKey: StoreFixture.randomKey())
        do {
            let app = try await fixture.makeApp(delivery: delivery, environment: extra)
            let result: Result
            do {
                result = try await body(fixture, app)
            } catch {
                await app.postgres.close()
                throw error
            }
            await app.postgres.close()
            await fixture.client.close()
            try await database.drop()
            return result
        } catch {
            await fixture.client.close()
            try? await database.drop()
            throw error
        }
    }

    /// Settings for tests of concurrency: more connections, and lock and pool waits long enough for a busy machine
    /// (they test counts, not latency).
    public static let concurrent = [
        "VERIFYD_DB_POOL_SIZE": "12", "VERIFYD_DB_LOCK_TIMEOUT_MS": "15000", "VERIFYD_DB_POOL_TIMEOUT_MS": "30000",
        "VERIFYD_DB_STATEMENT_TIMEOUT_MS": "20000",
    ]

    /// The environment `serve` would read, for `delivery`, with `extra` on top.
    public func environment(delivery: Delivery, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "DATABASE_URL": database.connectionString,
            "VERIFYD_PUBLIC_URL": Self.publicURL,
            "VERIFYD_ACCOUNT_SID": Self.accountSid,
            "VERIFYD_AUTH_TOKEN": Self.authToken,
            "VERIFYD_AUTH_TOKEN_SECONDARY": Self.secondaryAuthToken,
            "VERIFYD_CODE_KEY": Data(codeKey).base64EncodedString(),
            // The dispatcher notices graceful shutdown only between passes; a short interval keeps teardown quick.
            "VERIFYD_DISPATCH_INTERVAL_MS": "100",
            // Few connections per instance: many tests run at once against one server.
            "VERIFYD_DB_POOL_SIZE": "4",
        ]
        switch delivery {
        case .console:
            environment["VERIFYD_DELIVERY"] = "console"
        case .twilio:
            environment["VERIFYD_DELIVERY"] = "twilio"
            environment["TWILIO_ACCOUNT_SID"] = "AC" + String(repeating: "f", count: 32)
            environment["TWILIO_AUTH_TOKEN"] = Self.twilioAuthToken
            environment["TWILIO_AUTH_TOKEN_SECONDARY"] = Self.twilioSecondaryAuthToken
            environment["TWILIO_FROM"] = "+15005550006"
            // Nothing is ever sent there: the recording sender replaces Twilio.
            environment["TWILIO_API_URL"] = "http://127.0.0.1:9"
        }
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Builds another instance on the fixture's database, migrating first; the caller closes its `postgres`.
    public func makeApp(delivery: Delivery = .console, environment extra: [String: String] = [:]) async throws
        -> VerifydApplication
    {
        try await buildApplication(
            try ServeSettings.fromEnvironment(environment(delivery: delivery, extra)),
            migrations: try MigrationSource.load(directory: nil), migrateFirst: true, sender: sender,
            now: { [clock] in clock.now }, logger: logger)
    }

    /// `Authorization: Basic …` for `username` and `password`.
    public static func basic(_ username: String, _ password: String) -> String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// The root account's credentials.
    public static var rootAuthorization: String { basic(accountSid, authToken) }

    /// The first column of the first row of `query`, read with the fixture's client.
    public func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type = Value.self)
        async throws -> Value
    {
        try await client.query(query)[0].decode(0, as: Value.self)
    }
}
