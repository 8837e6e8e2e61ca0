import App
import Logging
import PhoneNumberMetadata
import Postgres
import VerifyCore
import VerifyStore

/// The verification use cases on the real PostgreSQL stores: a fresh, migrated database, its stores, a recording
/// sender and a `Verifier` over them.
public struct StoreFixture: Sendable {
    public let database: TestDatabase
    public let client: PostgresClient
    public let sender: RecordingCodeSender
    public let masterKey: [UInt8]
    public let keyring: CodeKeyring
    public let settings: Verifier.Settings
    public let verifier: Verifier
    public let verifications: PostgresVerificationStore
    public let deliveries: PostgresDeliveryStore
    public let phones: PostgresPhoneStore
    public let services: PostgresServiceStore
    public let credentials: PostgresCredentialStore

    /// Runs `body` with a fixture on a database of its own, dropped afterwards. Tests of concurrency ask for a
    /// larger pool (so calls really overlap in PostgreSQL) and longer waits (they test counts, not latency, on a
    /// machine that may be busy).
    public static func run<Result>(
        poolSize: Int = 4,
        poolTimeout: Duration = .seconds(5),
        limits: TransactionLimits = TransactionLimits(),
        settings: Verifier.Settings = Verifier.Settings(),
        _ body: (StoreFixture) async throws -> Result
    ) async throws -> Result {
        try await StoreFixtureGate.run {
            try await withTestDatabase(poolSize: poolSize, poolTimeout: poolTimeout, limits: limits) {
                database, client in
                try await MigrationRunner(
                    client: client, migrations: try MigrationSource.load(directory: nil), logger: Self.logger
                )
                .migrate()
                let key = randomKey()
                let fixture = StoreFixture(
                    database: database, client: client, sender: RecordingCodeSender(), masterKey: key,
                    keyring: try CodeKeyring(current: key), settings: settings)
                return try await body(fixture)
            }
        }
    }

    /// `run` for tests of concurrency: 16 connections, generous lock and pool waits.
    public static func runConcurrent<Result>(
        settings: Verifier.Settings = Verifier.Settings(), _ body: (StoreFixture) async throws -> Result
    ) async throws -> Result {
        try await run(
            poolSize: 16, poolTimeout: .seconds(30),
            limits: TransactionLimits(statementTimeout: .seconds(20), lockTimeout: .seconds(15)),
            settings: settings, body)
    }

    init(
        database: TestDatabase, client: PostgresClient, sender: RecordingCodeSender, masterKey: [UInt8],
        keyring: CodeKeyring, settings: Verifier.Settings
    ) {
        self.database = database
        self.client = client
        self.sender = sender
        self.masterKey = masterKey
        self.keyring = keyring
        self.settings = settings
        self.verifications = PostgresVerificationStore(client: client)
        self.deliveries = PostgresDeliveryStore(client: client)
        self.phones = PostgresPhoneStore(client: client)
        self.services = PostgresServiceStore(client: client)
        self.credentials = PostgresCredentialStore(client: client)
        self.verifier = Verifier(
            verifications: verifications, deliveries: deliveries, phones: phones, sender: sender, keyring: keyring,
            numbers: LibPhoneNumberIntelligence(), recentServices: RecentServiceSettings(),
            safeList: PostgresSafeListStore(client: client), settings: settings,
            logger: Self.logger)
    }

    /// Warnings and errors only: the verifier's info lines would drown the test output.
    static var logger: Logger {
        var logger = Logger(label: "test.verifier")
        logger.logLevel = .warning
        return logger
    }

    /// Another `Verifier` on the same stores and sender, with its own keyring or settings (another instance).
    public func verifier(keyring: CodeKeyring? = nil, settings: Verifier.Settings? = nil) -> Verifier {
        Verifier(
            verifications: verifications, deliveries: deliveries, phones: phones, sender: sender,
            keyring: keyring ?? self.keyring, numbers: LibPhoneNumberIntelligence(),
            recentServices: RecentServiceSettings(), safeList: PostgresSafeListStore(client: client),
            settings: settings ?? self.settings, logger: Self.logger)
    }

    /// A `Verifier` over stores on another client: a second instance sharing the database.
    public func verifier(on client: PostgresClient) -> Verifier {
        Verifier(
            verifications: PostgresVerificationStore(client: client), deliveries: PostgresDeliveryStore(client: client),
            phones: PostgresPhoneStore(client: client), sender: sender, keyring: keyring,
            numbers: LibPhoneNumberIntelligence(), recentServices: RecentServiceSettings(),
            safeList: PostgresSafeListStore(client: client), settings: settings,
            logger: Self.logger)
    }

    /// Another client on the fixture's database, sized and timed like `runConcurrent`'s; the caller closes it.
    public func makeConcurrentClient() -> PostgresClient {
        database.makeClient(
            poolSize: 8, poolTimeout: .seconds(30),
            limits: TransactionLimits(statementTimeout: .seconds(20), lockTimeout: .seconds(15)))
    }

    /// Runs `body` with another client from `makeConcurrentClient`, closed afterwards whatever `body` does.
    public func withConcurrentClient<Result>(_ body: (PostgresClient) async throws -> Result) async throws -> Result {
        try await closing(makeConcurrentClient(), body)
    }

    /// 32 bytes from the system CSPRNG: a master code key.
    public static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A new service named "Store Test", adjusted by `configure`.
    public func service(_ configure: (inout ServiceSettings) -> Void = { _ in }) async throws -> VerifyService {
        var settings = ServiceSettings(friendlyName: "Store Test")
        configure(&settings)
        return try await services.create(settings)
    }

    /// Starts (or re-sends) a verification by SMS unless told otherwise.
    @discardableResult
    public func start(
        _ service: VerifyService, _ phone: PhoneNumber, channel: Channel = .sms, customCode: String? = nil,
        using verifier: Verifier? = nil
    ) async throws -> Verification {
        try await (verifier ?? self.verifier).start(
            StartRequest(service: service.sid, to: phone, channel: channel, customCode: customCode))
    }

    /// Checks `code` for the live verification of `phone`.
    public func check(
        _ service: VerifyService, _ phone: PhoneNumber, _ code: String, using verifier: Verifier? = nil
    ) async throws -> Verification {
        try await (verifier ?? self.verifier).check(service: service.sid, target: .phone(phone), code: code)
    }

    /// The last code the sender got for `phone`.
    public func lastCode(to phone: PhoneNumber) -> String? {
        sender.codes(to: phone).last
    }

    /// A wrong code of the same length as the last one sent to `phone`.
    public func wrongCode(for phone: PhoneNumber) -> String {
        let code = lastCode(to: phone) ?? "000000"
        return String(code.map { $0 == "1" ? "2" : "1" })
    }

    /// The first column of the first row of `query`.
    public func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type = Value.self)
        async throws -> Value
    {
        try await client.query(query)[0].decode(0, as: Value.self)
    }
}

/// A phone number of the reserved 555-01xx range, distinct per `index`.
public func testPhone(_ index: Int = 0) -> PhoneNumber {
    let suffix = String(index % 10_000)
    return PhoneNumber(e164: "+1415555" + String(repeating: "0", count: 4 - suffix.count) + suffix)!
}
