import HTTPTypes
import Hummingbird
import NIOCore
import Testing
import VerifyCore

@testable import HTTPAPI

/// The one error table, read for every reason on both surfaces: the same status and `Retry-After`, Twilio's body
/// on the Verify API and nothing on the original routes and webhooks.
@Suite("The error table")
struct ErrorAnswerTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var error: any Error & Sendable
        var status: HTTPResponse.Status
        var code: Int
        var message: String
        var retryAfter: String?
        var testDescription: String { message }
    }

    static let service = ServiceSid("VA" + String(repeating: "a", count: 32))!
    static let sid = VerificationSid("VE" + String(repeating: "b", count: 32))!
    static let rateLimit = RateLimitSid("RK" + String(repeating: "c", count: 32))!
    static let bucket = BucketSid("BL" + String(repeating: "d", count: 32))!

    /// At least one row per reason (see `name`).
    static let rows: [Row] = [
        Row(error: VerifyError.invalid("To"), status: .badRequest, code: 60200, message: "Invalid parameter: To"),
        Row(
            error: VerifyError(.maxCheckAttemptsReached, retryAfter: 42), status: .tooManyRequests, code: 60202,
            message: "Max check attempts reached", retryAfter: "42"),
        Row(
            error: VerifyError(.maxSendAttemptsReached), status: .tooManyRequests, code: 60203,
            message: "Max send attempts reached", retryAfter: "1"),
        Row(
            error: VerifyError(.featureNotEnabled), status: .forbidden, code: 60204,
            message: "Service does not support this feature"),
        Row(
            error: VerifyError(.phoneBlocked), status: .forbidden, code: 60410,
            message: "Verification delivery attempt blocked"),
        Row(
            error: VerifyError(.lineTypeRefused), status: .forbidden, code: 60410,
            message: "Verification delivery attempt blocked"),
        Row(
            error: VerifyError(.phoneUnsubscribed), status: .badRequest, code: 21610,
            message: "Attempt to send to unsubscribed recipient"),
        Row(
            error: VerifyError(.landline), status: .forbidden, code: 60205,
            message: "SMS is not supported by landline phone number"),
        Row(
            error: VerifyError(.destinationBlocked), status: .forbidden, code: 60605,
            message: "Verification delivery attempt blocked by geo permissions"),
        Row(
            error: VerifyError(.notFound(.service(service))), status: .notFound, code: 20404,
            message: "The requested resource /Services/\(service) was not found"),
        Row(
            error: VerifyError(.notFound(.verification(service, sid))), status: .notFound, code: 20404,
            message: "The requested resource /Services/\(service)/Verifications/\(sid) was not found"),
        Row(
            error: VerifyError(.notFound(.verificationCheck(service))), status: .notFound, code: 20404,
            message: "The requested resource /Services/\(service)/VerificationCheck was not found"),
        Row(
            error: VerifyError(.channelDisabled), status: .badRequest, code: 60223, message: "Delivery channel disabled"
        ),
        Row(
            error: VerifyError(.tooManyConcurrentRequests, retryAfter: 0), status: .tooManyRequests, code: 60212,
            message: "Too many concurrent requests for phone number", retryAfter: "1"),
        Row(
            error: VerifyError(.deliveryUnavailable, retryAfter: 30), status: .serviceUnavailable, code: 20503,
            message: "Service unavailable", retryAfter: "30"),
        Row(
            error: VerifyError(.rateLimitExceeded, retryAfter: 17), status: .tooManyRequests, code: 20429,
            message: "Too many requests", retryAfter: "17"),
        Row(
            error: VerifyError(.tooManyRateLimits), status: .badRequest, code: 60207,
            message: "Max rate limits per service reached"),
        Row(
            error: VerifyError(.duplicateUniqueName), status: .badRequest, code: 60208,
            message: "Rate limit with that UniqueName already exists"),
        Row(
            error: VerifyError(.invalidUniqueName), status: .badRequest, code: 60209,
            message: "UniqueName format is invalid"),
        Row(
            error: VerifyError(.tooManyBuckets), status: .badRequest, code: 60210,
            message: "Max Buckets per Rate limit reached"),
        Row(
            error: VerifyError(.duplicateBucketInterval), status: .badRequest, code: 60211,
            message: "Bucket with the given Interval already exists"),
        Row(
            error: VerifyError(.alreadySafeListed), status: .badRequest, code: 60411,
            message: "Phone Number already exists"),
        Row(
            error: VerifyError(.notFound(.rateLimit(service, rateLimit))), status: .notFound, code: 20404,
            message: "The requested resource /Services/\(service)/RateLimits/\(rateLimit) was not found"),
        Row(
            error: VerifyError(.notFound(.bucket(service, rateLimit, bucket))), status: .notFound, code: 20404,
            message:
                "The requested resource /Services/\(service)/RateLimits/\(rateLimit)/Buckets/\(bucket) was not found"
        ),
        // A screening refusal answers as the error it carries; the rule it names is for records, not for the caller.
        Row(
            error: ScreeningRefusal(
                ScreeningFinding(
                    rule: .geo, mode: .enforce, channel: .sms, lineType: .mobile, region: RegionCode("NG"),
                    callingCode: 234, layer: .defaults, error: VerifyError(.destinationBlocked))),
            status: .forbidden, code: 60605, message: "Verification delivery attempt blocked by geo permissions"),
        Row(error: APIError.unauthenticated, status: .unauthorized, code: 20003, message: "Authenticate"),
        Row(
            error: APIError.malformedBody, status: .badRequest, code: 60200, message: "Invalid parameter: request body"),
        Row(
            error: APIError.unsupportedMediaType, status: .unsupportedMediaType, code: 60200,
            message: "Invalid parameter: Content-Type"),
        Row(
            error: APIError.contentTooLarge, status: .contentTooLarge, code: 60200,
            message: "Invalid parameter: request body"),
        Row(
            error: NIOTooManyBytesError(maxBytes: 1), status: .contentTooLarge, code: 60200,
            message: "Invalid parameter: request body"),
        Row(error: APIError.crossSite, status: .forbidden, code: 20403, message: "Cross-site requests are refused"),
        Row(error: APIError.badSignature, status: .forbidden, code: 20403, message: "Invalid X-Twilio-Signature"),
        Row(
            error: APIError.notFound(path: "/RateLimits"), status: .notFound, code: 20404,
            message: "The requested resource /RateLimits was not found"),
    ]

    @Test("every reason answers one status on both surfaces", arguments: rows)
    func bothSurfaces(_ row: Row) throws {
        let answer = try #require(ErrorAnswer(row.error))
        for response in [answer.twilioResponse, answer.plainResponse] {
            #expect(response.status == row.status)
            #expect(response.headers[.retryAfter] == row.retryAfter)
            #expect((response.headers[.wwwAuthenticate] != nil) == (row.status == .unauthorized))
        }
        #expect(answer.code == row.code)
        #expect(answer.message == row.message)
    }

    @Test("every domain reason has a row")
    func everyReason() {
        let reasons = Set(Self.rows.compactMap { ($0.error as? VerifyError).map { Self.name($0.reason) } })
        #expect(reasons.count == 20)
    }

    /// Exhaustive on purpose: a new reason does not compile until it is named here, counted above and given a row.
    static func name(_ reason: VerifyError.Reason) -> String {
        switch reason {
        case .invalidParameter: "invalidParameter"
        case .maxCheckAttemptsReached: "maxCheckAttemptsReached"
        case .maxSendAttemptsReached: "maxSendAttemptsReached"
        case .featureNotEnabled: "featureNotEnabled"
        case .phoneBlocked: "phoneBlocked"
        case .phoneUnsubscribed: "phoneUnsubscribed"
        case .landline: "landline"
        case .destinationBlocked: "destinationBlocked"
        case .lineTypeRefused: "lineTypeRefused"
        case .notFound: "notFound"
        case .channelDisabled: "channelDisabled"
        case .tooManyConcurrentRequests: "tooManyConcurrentRequests"
        case .deliveryUnavailable: "deliveryUnavailable"
        case .rateLimitExceeded: "rateLimitExceeded"
        case .tooManyRateLimits: "tooManyRateLimits"
        case .duplicateUniqueName: "duplicateUniqueName"
        case .invalidUniqueName: "invalidUniqueName"
        case .tooManyBuckets: "tooManyBuckets"
        case .duplicateBucketInterval: "duplicateBucketInterval"
        case .alreadySafeListed: "alreadySafeListed"
        }
    }

    @Test("an error that is not a refusal has no row: it is a 500 that says nothing")
    func unknownError() {
        struct Unexpected: Error {}
        #expect(ErrorAnswer(Unexpected()) == nil)
        #expect(ErrorAnswer.internalError.twilioResponse.status == .internalServerError)
    }
}
