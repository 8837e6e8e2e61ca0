import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the caller's `X-Request-Id` when it sends a sane one), echoes it, and logs one line
/// per request. The line names the matched route template, never the raw path: `/auth/{number}/{token}` carries a
/// code in its last segment.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let observe: @Sendable (RequestObservation) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let requestID = Self.requestID(from: request.headers[.xRequestID])
        // Hummingbird's own id key, so each log line carries one id: the caller's when it sent one.
        context.logger[metadataKey: "hb.request.id"] = .string(requestID)
        let started = ContinuousClock.now
        return try await RequestLogContext.$requestID.withValue(requestID) {
            var response: Response
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                response = Response(status: error.status)
            }
            response.headers[.xRequestID] = requestID
            let elapsed = ContinuousClock.now - started
            // Hummingbird names unmatched requests' endpoint "NotFound".
            let route = context.endpointPath ?? "NotFound"
            context.logger.info(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue), "route": .string(route),
                    "status": .stringConvertible(response.status.code),
                    "ms": .stringConvertible(
                        elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
                ])
            observe(
                RequestObservation(
                    method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed))
            return response
        }
    }

    /// The caller's id when it is short and printable, else a new random one.
    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.utf8.count),
            header.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        {
            return header
        }
        var generator = SystemRandomNumberGenerator()
        return String(UInt64.random(in: .min ... .max, using: &generator), radix: 16)
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
