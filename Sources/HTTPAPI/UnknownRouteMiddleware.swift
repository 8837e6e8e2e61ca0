import HTTPTypes
import Hummingbird

/// Answers requests no route serves. Added after every route, so it wraps only the router's not-found responder. A
/// path some route serves with other methods is 405 with `Allow` (RFC 9110); any other path is 404. Under `/v2/`
/// both carry Twilio's error body (20004, 20404), so Twilio's libraries raise their usual exception; elsewhere the
/// status is the whole answer, as on the original routes.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// Each route path's segments (`{…}` matches any one segment) with the methods served there.
    private let paths: [(segments: [Substring], methods: [String])]

    init(routes: [Router<Context>.RouteDescription]) {
        let methods = Dictionary(grouping: routes, by: \.path.description).mapValues { $0.map(\.method.rawValue) }
        paths = methods.map { path, methods in (path.split(separator: "/"), methods.sorted()) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError
            // Hummingbird's router names unmatched requests' endpoint "NotFound"; a matched route's 404s are
            // already an error answer (ErrorMiddleware) and never reach here as HTTP errors.
            where error.status == .notFound && context.endpointPath == "NotFound"
        {
            let path = request.uri.path
            let isTwilio = path.hasPrefix("/v2/")
            let allowed = allowedMethods(path)
            if !allowed.isEmpty {
                let answer = ErrorAnswer(APIError.methodNotAllowed)
                var response = isTwilio ? answer.twilioResponse : answer.plainResponse
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            guard isTwilio else { throw error }
            return ErrorAnswer(APIError.notFound(path: String(path.dropFirst(3).prefix(200)))).twilioResponse
        }
    }

    /// The methods of every route whose path matches; none match an unknown path.
    private func allowedMethods(_ path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matching = paths.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        return Set(matching.flatMap(\.methods)).sorted()
    }
}
