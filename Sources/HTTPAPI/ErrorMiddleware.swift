import Hummingbird
import Logging
import VerifyCore

/// Turns whatever a handler throws into its `ErrorAnswer`, in the form of the routes it guards. Errors that are not
/// refusals become a 500 whose body says nothing about the cause; the cause is logged without values.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    enum Surface: Sendable {
        /// The Verify API: Twilio's JSON error body.
        case twilio
        /// The original routes and the webhooks: the status alone.
        case plain
    }

    let surface: Surface
    /// Seconds to wait when `error` means a dependency is out of reach for now (the database, say), else nil.
    let retryAfterIfUnavailable: @Sendable (any Error) -> Int?
    /// Counts refusals by the defence that made them: every route's refusals pass here.
    let metrics: any VerifyMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            if let rule = Self.refusalRule(of: error) { metrics.refusal(rule) }
            let answer: ErrorAnswer
            if let known = ErrorAnswer(error) {
                answer = known
            } else if let retryAfter = retryAfterIfUnavailable(error) {
                // Nothing is wrong with the request: the client tries again, as Retry-After says.
                context.logger.warning("request.unavailable", metadata: ["error": "\(error)"])
                answer = .unavailable(retryAfter: retryAfter)
            } else if error is any HTTPResponseError {
                // Hummingbird's own answers (an unmatched method, say) keep their status.
                throw error
            } else {
                context.logger.error("request.failed", metadata: ["error": "\(error)"])
                answer = .internalError
            }
            switch surface {
            case .twilio: return answer.twilioResponse
            case .plain: return answer.plainResponse
            }
        }
    }

    /// The defence that refused, for each kind of refusal a route can throw.
    static func refusalRule(of error: any Error) -> RefusalRule? {
        switch error {
        case let error as VerifyError: error.refusalRule
        case let refusal as ScreeningRefusal: RefusalRule(refusal.finding.rule)
        case let error as APIError: error.refusalRule
        default: nil
        }
    }
}
