import HTTPTypes
import Hummingbird

/// `/healthz` answers while the process runs (no database call, so a database outage never restarts instances);
/// `/readyz` answers 200 only while the instance should get traffic.
struct HealthRoutes: Sendable {
    let isReady: @Sendable () async -> Bool

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("/readyz") { _, _ in
            await isReady() ? Self.text(.ok, "ready\n") : Self.text(.serviceUnavailable, "not ready\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
