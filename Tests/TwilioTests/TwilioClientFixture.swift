import FakeTwilio
import Logging
import Synchronization
import Twilio

/// A running `FakeTwilio` with a `TwilioClient` pointed at it, torn down after the test body.
struct TwilioClientFixture {
    let fake: FakeTwilio
    let client: TwilioClient
    let logs: RecordedLogs

    static let to = "+14155550100"
    static let from = "+14155550199"
    static let body = "Your verification code is 482913"

    /// Runs `body` with a fake and a client using `credentials` (the account's auth token by default).
    static func run(
        account: FakeTwilioAccount = FakeTwilioAccount(),
        useAPIKey: Bool = false,
        totalTimeout: Duration = .milliseconds(3000),
        maxInFlight: Int = 8,
        latency: Duration = .zero,
        _ body: (TwilioClientFixture) async throws -> Void
    ) async throws {
        let fake = try await FakeTwilio.start(account: account, latency: latency)
        let logs = RecordedLogs()
        let client: TwilioClient
        do {
            let credentials: TwilioConfiguration.Credentials =
                if useAPIKey, let key = account.apiKeys.first {
                    .apiKey(sid: key.sid, secret: key.secret)
                } else {
                    .authToken(account.authToken)
                }
            let configuration = try TwilioConfiguration(
                accountSID: account.accountSID,
                credentials: credentials,
                apiBaseURL: fake.baseURL,
                connectTimeout: .milliseconds(1000),
                totalTimeout: totalTimeout,
                maxInFlight: maxInFlight,
                userAgent: "verifyd/test"
            )
            var logger = Logger(label: "twilio-test") { _ in RecordingLogHandler(logs: logs) }
            logger.logLevel = .debug
            client = TwilioClient(configuration: configuration, logger: logger)
        } catch {
            await fake.stop()
            throw error
        }
        do {
            try await body(TwilioClientFixture(fake: fake, client: client, logs: logs))
        } catch {
            await client.shutdown()
            await fake.stop()
            throw error
        }
        await client.shutdown()
        await fake.stop()
    }

    static func message(
        sender: OutgoingMessage.Sender = .phoneNumber(from),
        statusCallback: String? = nil,
        validityPeriod: Duration? = nil
    ) -> OutgoingMessage {
        OutgoingMessage(
            to: to,
            sender: sender,
            body: body,
            statusCallback: statusCallback,
            validityPeriod: validityPeriod
        )
    }
}

/// Log lines captured by `RecordingLogHandler`, rendered with their metadata.
final class RecordedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var all: [String] {
        lines.withLock { $0 }
    }
}

struct RecordingLogHandler: LogHandler {
    let logs: RecordedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        logs.append(([event.message.description] + fields).joined(separator: " "))
    }
}
