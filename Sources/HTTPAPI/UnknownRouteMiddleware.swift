import Hummingbird

/// Answers paths under `/v2/` that no route serves (Twilio resources verifyd does not implement, such as
/// `Webhooks`) with Twilio's 404 / 20404 body, so Twilio's libraries raise their usual exception.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError
            // Hummingbird's router names unmatched requests' endpoint "NotFound"; a matched route's 404s are
            // already Twilio's body (ErrorMiddleware) and never reach here as HTTP errors.
            where error.status == .notFound && context.endpointPath == "NotFound" && request.uri.path.hasPrefix("/v2/")
        {
            let resource = String(request.uri.path.dropFirst(3).prefix(200))
            return ErrorAnswer(APIError.notFound(path: resource)).twilioResponse
        }
    }
}
