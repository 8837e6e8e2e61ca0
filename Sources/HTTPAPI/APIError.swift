import HTTPTypes
import Hummingbird
import Logging
import VerifyCore

/// Failures of the HTTP layer itself (credentials, bodies, routes), next to the domain's `VerifyError`.
enum APIError: Error, Sendable {
    case unauthenticated
    case malformedBody
    case routeNotFound(path: String)
    case methodNotAllowed
}

/// The single place errors become HTTP answers: Twilio's `{"code", "message", "more_info", "status"}` and nothing
/// else (a `type`/`title` pair would make twilio-python raise a different exception), plus `Retry-After` on every
/// 429 and 503.
struct TwilioErrorBody: Sendable, Equatable {
    var status: HTTPResponse.Status
    var code: Int
    var message: String
    var retryAfter: Int?

    init(status: HTTPResponse.Status, code: Int, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    init(_ error: VerifyError) {
        switch error.reason {
        case .invalidParameter(let name):
            self.init(status: .badRequest, code: 60200, message: "Invalid parameter: \(name)")
        case .maxCheckAttemptsReached:
            self.init(status: .tooManyRequests, code: 60202, message: "Max check attempts reached")
        case .maxSendAttemptsReached:
            self.init(status: .tooManyRequests, code: 60203, message: "Max send attempts reached")
        case .featureNotEnabled:
            self.init(status: .forbidden, code: 60204, message: "Service does not support this feature")
        case .landline:
            self.init(status: .forbidden, code: 60205, message: "SMS is not supported by landline phone number")
        case .phoneBlocked:
            self.init(status: .forbidden, code: 60410, message: "Verification delivery attempt blocked")
        case .destinationBlocked:
            self.init(
                status: .forbidden, code: 60605, message: "Verification delivery attempt blocked by geo permissions")
        case .phoneUnsubscribed:
            self.init(
                status: .badRequest, code: 21610, message: "Attempt to send to unsubscribed recipient")
        case .notFound(let resource):
            self.init(status: .notFound, code: 20404, message: "The requested resource \(resource) was not found")
        case .channelDisabled:
            self.init(status: .badRequest, code: 60223, message: "Delivery channel disabled")
        case .tooManyConcurrentRequests:
            self.init(status: .tooManyRequests, code: 60212, message: "Too many concurrent requests for phone number")
        case .deliveryUnavailable:
            self.init(status: .serviceUnavailable, code: 20503, message: "Service unavailable")
        }
        self.retryAfter = error.retryAfter
        if retryAfter == nil, status == .tooManyRequests || status == .serviceUnavailable { retryAfter = 1 }
        if let retryAfter { self.retryAfter = max(1, retryAfter) }
    }

    init(_ error: APIError) {
        switch error {
        case .unauthenticated:
            self.init(status: .unauthorized, code: 20003, message: "Authenticate")
        case .malformedBody:
            self.init(status: .badRequest, code: 60200, message: "Invalid parameter: request body")
        case .routeNotFound(let path):
            self.init(status: .notFound, code: 20404, message: "The requested resource \(path) was not found")
        case .methodNotAllowed:
            self.init(status: .methodNotAllowed, code: 20004, message: "Method not allowed")
        }
    }

    var response: Response {
        let json: JSONValue = .object([
            ("code", .int(code)),
            ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")),
            ("status", .int(Int(status.code))),
        ])
        var response = json.response(status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"verifyd\"" }
        return response
    }
}

/// Turns whatever a Verify API handler throws into Twilio's error body. Errors that are not ours become a 500 whose
/// body says nothing about the cause; the cause is logged without values.
struct TwilioErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as VerifyError {
            return TwilioErrorBody(error).response
        } catch let error as APIError {
            return TwilioErrorBody(error).response
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            return TwilioErrorBody(status: .contentTooLarge, code: 60200, message: "Invalid parameter: request body")
                .response
        } catch {
            context.logger.error("request.failed", metadata: ["error": "\(error)"])
            return TwilioErrorBody(status: .internalServerError, code: 20500, message: "Internal Server Error").response
        }
    }
}
