import ServiceLifecycle

/// The first service to stop at graceful shutdown: it turns readiness off and keeps the server up for the drain
/// period so balancers notice, and only then lets the HTTP server stop accepting connections.
struct DrainService: Service {
    let readiness: Readiness
    let drain: Duration

    func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        try? await Task.sleep(for: drain)
    }
}
