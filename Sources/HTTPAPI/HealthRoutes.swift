import Hummingbird

/// `/healthz` answers while the process runs (no database call, so a database outage never restarts instances);
/// `/readyz` answers 200 only while the instance should get traffic.
struct HealthRoutes: Sendable {
    let isReady: @Sendable () async -> Bool

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ in
            await isReady()
                ? Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(
                    status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "not ready\n")))
        }
    }
}
