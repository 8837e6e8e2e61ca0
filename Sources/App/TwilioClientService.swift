import ServiceLifecycle
import Twilio

/// Shuts the Twilio client's threads down at graceful shutdown, after the dispatcher stopped using them.
struct TwilioClientService: Service {
    let client: TwilioClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
