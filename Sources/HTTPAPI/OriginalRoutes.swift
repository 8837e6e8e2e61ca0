import Foundation
import HTTPTypes
import Hummingbird
import VerifyCore

/// The flow verifyd grew from: `POST /sms` and `POST /who` send a code (202), `/auth/{number}/{token}` answers 200
/// for the right code and 403 for anything else. Bodies are empty; statuses carry the answer.
struct OriginalRoutes: Sendable {
    let verifier: Verifier
    let defaultService: @Sendable (_ refresh: Bool) async throws -> ServiceSid
    let defaultCountryCode: String?

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/sms") { request, context in try await send(.sms, request, context) }
        router.post("/who") { request, context in try await send(.call, request, context) }
        router.post("/auth/{number}/{token}") { _, context in try await authenticate(context) }
        router.get("/auth/{number}/{token}") { _, context in try await authenticate(context) }
    }

    private func send(_ channel: Channel, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters: RequestParameters
        do {
            parameters = try await RequestParameters.read(request, context: context)
        } catch {
            return Response(status: .badRequest)
        }
        guard let number = parameters["number"], let phone = phone(number) else { return Response(status: .badRequest) }
        do {
            let service = try await defaultService(false)
            do {
                _ = try await verifier.start(StartRequest(service: service, to: phone, channel: channel))
            } catch let error as VerifyError where error.reason == .notFound(resource: "/Services/\(service)") {
                // The remembered default service was deleted: find or create the current one and try once more.
                let current = try await defaultService(true)
                _ = try await verifier.start(StartRequest(service: current, to: phone, channel: channel))
            }
            return Response(status: .accepted)
        } catch let error as VerifyError {
            return Self.response(for: error)
        }
    }

    /// Every refusal is the same empty 403, so the answer says nothing about why (wrong, expired, used, locked or an
    /// unknown number). Only a failure of verifyd itself answers differently (5xx): that is not a "no".
    private func authenticate(_ context: APIRequestContext) async throws -> Response {
        guard let number = context.parameters.get("number"), let token = context.parameters.get("token"),
            let phone = phone(number.removingPercentEncoding ?? number)
        else { return Response(status: .forbidden) }
        do {
            let service = try await defaultService(false)
            let verification = try await verifier.check(
                service: service, target: .phone(phone), code: token.removingPercentEncoding ?? token)
            return Response(status: verification.status == .approved ? .ok : .forbidden)
        } catch is VerifyError {
            return Response(status: .forbidden)
        }
    }

    private func phone(_ text: String) -> PhoneNumber? {
        PhoneNumber(lenient: text, defaultCountryCode: defaultCountryCode)
    }

    static func response(for error: VerifyError) -> Response {
        let status: HTTPResponse.Status
        switch error.reason {
        case .invalidParameter, .channelDisabled: status = .badRequest
        case .maxCheckAttemptsReached, .maxSendAttemptsReached, .tooManyConcurrentRequests: status = .tooManyRequests
        case .phoneBlocked, .phoneUnsubscribed, .landline, .destinationBlocked, .featureNotEnabled: status = .forbidden
        case .notFound: status = .notFound
        case .deliveryUnavailable: status = .serviceUnavailable
        }
        var response = Response(status: status)
        if status == .tooManyRequests || status == .serviceUnavailable {
            response.headers[.retryAfter] = String(max(1, error.retryAfter ?? 1))
        }
        return response
    }
}
