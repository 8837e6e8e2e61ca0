import Hummingbird

/// `GET /metrics`: the Prometheus text exposition. On the API's port it sits behind Basic authentication; on
/// `VERIFYD_METRICS_PORT` (see `buildMetricsRouter`) it is served to anyone who can reach that port.
struct MetricsRoutes: Sendable {
    let render: @Sendable () async -> String

    func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("/metrics") { _, _ in
            var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: await render())))
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
    }
}

/// The router of the metrics port: `/metrics` alone, without authentication, for a scraper on a private network.
public func buildMetricsRouter(render: @escaping @Sendable () async -> String) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    MetricsRoutes(render: render).register(on: router)
    return router
}
