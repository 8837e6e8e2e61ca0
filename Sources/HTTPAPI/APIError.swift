import HTTPTypes
import Hummingbird
import NIOCore
import VerifyCore

/// Failures of the HTTP layer itself (credentials, bodies, origins, signatures, routes), next to the domain's
/// `VerifyError`.
struct APIError: Error, Sendable, Equatable {
    fileprivate enum Reason: Sendable, Equatable {
        case unauthenticated
        case authenticationThrottled(retryAfter: Int)
        case malformedBody
        case unsupportedMediaType
        case contentTooLarge
        case crossSite
        case badSignature
        case notFound(path: String)
        case methodNotAllowed
    }

    fileprivate let reason: Reason

    /// No credentials, or wrong ones.
    static let unauthenticated = APIError(reason: .unauthenticated)
    /// A client address past the limit of failed authentications, whatever it sent this time.
    static func authenticationThrottled(retryAfter: Int) -> APIError {
        APIError(reason: .authenticationThrottled(retryAfter: retryAfter))
    }
    /// A body that is not the form or JSON its `Content-Type` says.
    static let malformedBody = APIError(reason: .malformedBody)
    /// A non-empty body that is neither `application/x-www-form-urlencoded` nor `application/json`.
    static let unsupportedMediaType = APIError(reason: .unsupportedMediaType)
    /// A body over `APIRequestContext.maxUploadSize`.
    static let contentTooLarge = APIError(reason: .contentTooLarge)
    /// A browser request sent from another site (`Origin`, `Sec-Fetch-Site`).
    static let crossSite = APIError(reason: .crossSite)
    /// A webhook whose `X-Twilio-Signature` is missing or wrong.
    static let badSignature = APIError(reason: .badSignature)
    /// A path no resource answers (a malformed SID, a Twilio resource verifyd does not serve).
    static func notFound(path: String) -> APIError { APIError(reason: .notFound(path: path)) }
    /// A path some route serves, with a method none of them serves.
    static let methodNotAllowed = APIError(reason: .methodNotAllowed)

    /// The defence this refusal comes from: of the HTTP layer's, only the authentication throttle is one.
    var refusalRule: RefusalRule? {
        if case .authenticationThrottled = reason { .authThrottle } else { nil }
    }
}

/// The single table of error answers. Every route answers from it: the Verify API with Twilio's body, the original
/// routes and the webhooks with the status alone, so the two surfaces cannot disagree about a refusal.
struct ErrorAnswer: Sendable, Equatable {
    var status: HTTPResponse.Status
    /// Twilio's error code, for the Verify API's body.
    var code: Int
    var message: String
    /// Seconds for `Retry-After`; every 429 and 503 carries one.
    var retryAfter: Int?

    init(status: HTTPResponse.Status, code: Int, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        if self.retryAfter == nil, status == .tooManyRequests || status == .serviceUnavailable { self.retryAfter = 1 }
        if let retryAfter = self.retryAfter { self.retryAfter = max(1, retryAfter) }
    }

    /// The answer for `error`, or nil when it is not a refusal but a failure of verifyd (a 500 that says nothing).
    init?(_ error: any Error) {
        switch error {
        case let error as VerifyError: self.init(error)
        case let refusal as ScreeningRefusal: self.init(refusal.error)
        case let error as APIError: self.init(error)
        // Hummingbird's `collectBody(upTo:)` throws this past the limit.
        case is NIOTooManyBytesError: self.init(APIError.contentTooLarge)
        default: return nil
        }
    }

    static let internalError = ErrorAnswer(status: .internalServerError, code: 20500, message: "Internal Server Error")

    /// A dependency (the database) is out of reach for now; the request itself is fine.
    static func unavailable(retryAfter: Int) -> ErrorAnswer {
        ErrorAnswer(status: .serviceUnavailable, code: 20503, message: "Service unavailable", retryAfter: retryAfter)
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
        // A refused line type answers as Fraud Guard answers a blocked destination: premium-rate and shared-cost
        // ranges are what SMS pumping earns on, the number is valid (60200 would say otherwise), and no geo setting
        // would let it through (60605 would suggest one).
        case .phoneBlocked, .lineTypeRefused:
            self.init(status: .forbidden, code: 60410, message: "Verification delivery attempt blocked")
        case .destinationBlocked:
            self.init(
                status: .forbidden, code: 60605, message: "Verification delivery attempt blocked by geo permissions")
        case .phoneUnsubscribed:
            // Twilio's 21610 is a 400 on every API that returns it; the original routes answer 400 too.
            self.init(status: .badRequest, code: 21610, message: "Attempt to send to unsubscribed recipient")
        case .notFound(let resource):
            self.init(status: .notFound, code: 20404, message: "The requested resource \(resource.path) was not found")
        case .channelDisabled:
            self.init(status: .badRequest, code: 60223, message: "Delivery channel disabled")
        case .tooManyConcurrentRequests:
            self.init(status: .tooManyRequests, code: 60212, message: "Too many concurrent requests for phone number")
        case .deliveryUnavailable:
            self.init(status: .serviceUnavailable, code: 20503, message: "Service unavailable")
        case .rateLimitExceeded:
            // Twilio's 20429 page names "exceeding Verify Service Rate Limits that you configure" among its causes;
            // 60203 is the per-number send cap, a different limit.
            self.init(status: .tooManyRequests, code: 20429, message: "Too many requests")
        // Twilio's documents give the HTTP status of 60207–60211 as 400; 60411's is not stated, and 400 is what
        // Twilio answers the other duplicates with.
        case .tooManyRateLimits:
            self.init(status: .badRequest, code: 60207, message: "Max rate limits per service reached")
        case .duplicateUniqueName:
            self.init(status: .badRequest, code: 60208, message: "Rate limit with that UniqueName already exists")
        case .invalidUniqueName:
            self.init(status: .badRequest, code: 60209, message: "UniqueName format is invalid")
        case .tooManyBuckets:
            self.init(status: .badRequest, code: 60210, message: "Max Buckets per Rate limit reached")
        case .duplicateBucketInterval:
            self.init(status: .badRequest, code: 60211, message: "Bucket with the given Interval already exists")
        case .alreadySafeListed:
            self.init(status: .badRequest, code: 60411, message: "Phone Number already exists")
        case .idempotencyKeyReused:
            // Twilio has no code for this (its API takes no Idempotency-Key); 60200 names what to fix, and 422 is
            // the status the IETF draft on the header gives a key reused with another payload.
            self.init(
                status: .unprocessableContent, code: 60200,
                message: "Invalid parameter: Idempotency-Key was used with other parameters")
        }
        if let retryAfter = error.retryAfter { self.retryAfter = max(1, retryAfter) }
    }

    init(_ error: APIError) {
        switch error.reason {
        case .unauthenticated:
            self.init(status: .unauthorized, code: 20003, message: "Authenticate")
        case .authenticationThrottled(let retryAfter):
            // Twilio's own answer to too many requests.
            self.init(status: .tooManyRequests, code: 20429, message: "Too Many Requests", retryAfter: retryAfter)
        case .malformedBody:
            self.init(status: .badRequest, code: 60200, message: "Invalid parameter: request body")
        case .unsupportedMediaType:
            // Twilio has no code of its own for this; 60200 names what to fix.
            self.init(status: .unsupportedMediaType, code: 60200, message: "Invalid parameter: Content-Type")
        case .contentTooLarge:
            self.init(status: .contentTooLarge, code: 60200, message: "Invalid parameter: request body")
        case .crossSite:
            self.init(status: .forbidden, code: 20403, message: "Cross-site requests are refused")
        case .badSignature:
            self.init(status: .forbidden, code: 20403, message: "Invalid X-Twilio-Signature")
        case .notFound(let path):
            self.init(status: .notFound, code: 20404, message: "The requested resource \(path) was not found")
        case .methodNotAllowed:
            self.init(status: .methodNotAllowed, code: 20004, message: "Method not allowed")
        }
    }

    /// Twilio's `{"code", "message", "more_info", "status"}` and nothing else (a `type`/`title` pair would make
    /// twilio-python raise a different exception).
    var twilioResponse: Response {
        let json: JSONValue = .object([
            ("code", .int(code)),
            ("message", .string(message)),
            ("more_info", .string("https://www.twilio.com/docs/errors/\(code)")),
            ("status", .int(Int(status.code))),
        ])
        var response = json.response(status: status)
        addHeaders(to: &response)
        return response
    }

    /// The status alone, with an empty body: the original routes' and the webhooks' form of the same answer.
    var plainResponse: Response {
        var response = Response(status: status)
        addHeaders(to: &response)
        return response
    }

    private func addHeaders(to response: inout Response) {
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"verifyd\"" }
    }
}

extension VerifyError.Resource {
    /// The path Twilio names in a 20404 message, relative to `/v2`.
    var path: String {
        switch self {
        case .service(let service): "/Services/\(service)"
        case .verification(let service, let sid): "/Services/\(service)/Verifications/\(sid)"
        case .verificationCheck(let service): "/Services/\(service)/VerificationCheck"
        case .attempt(let sid): "/Attempts/\(sid)"
        case .rateLimit(let service, let sid): "/Services/\(service)/RateLimits/\(sid)"
        case .bucket(let service, let rateLimit, let sid): "/Services/\(service)/RateLimits/\(rateLimit)/Buckets/\(sid)"
        }
    }
}
