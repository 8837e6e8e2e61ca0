import ServiceLifecycle
import Twilio

/// Shuts the Twilio client's transfer thread down at graceful shutdown, after the dispatcher stopped using it.
struct TwilioClientService: Service {
    let client: TwilioClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}
