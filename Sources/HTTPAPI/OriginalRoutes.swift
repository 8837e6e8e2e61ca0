import Foundation
import HTTPTypes
import Hummingbird
import VerifyCore

/// The flow verifyd grew from: `POST /sms` and `POST /who` send a code (202), `/auth/{number}/{token}` answers 200
/// for the right code and 403 for anything else. Bodies are empty; statuses carry the answer, the same statuses the
/// Verify API answers (`ErrorAnswer`).
struct OriginalRoutes: Sendable {
    let verifier: Verifier
    let defaultService: @Sendable (_ refresh: Bool) async throws -> ServiceSid
    let numbers: any NumberIntelligence
    let defaultRegion: RegionCode?

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/sms") { request, context in try await send(.sms, request, context) }
        router.post("/who") { request, context in try await send(.call, request, context) }
        router.post("/auth/{number}/{token}") { _, context in try await authenticate(context) }
        router.get("/auth/{number}/{token}") { _, context in try await authenticate(context) }
    }

    private func send(_ channel: Channel, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try await RequestParameters.read(request, context: context)
        guard let number = try parameters["number"], let phone = phone(number) else {
            throw VerifyError.invalid("number")
        }
        let service = try await defaultService(false)
        let origin = StartOrigin(credential: context.principal?.credential ?? "root")
        do {
            _ = try await verifier.start(StartRequest(service: service, to: phone, channel: channel, origin: origin))
        } catch let error as VerifyError where error.reason == .notFound(.service(service)) {
            // The remembered default service was deleted: find or create the current one and try once more.
            let current = try await defaultService(true)
            _ = try await verifier.start(StartRequest(service: current, to: phone, channel: channel, origin: origin))
        }
        return Response(status: .accepted)
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
                service: service, target: .phone(phone), code: token.removingPercentEncoding ?? token,
                credential: context.principal?.credential ?? "root")
            return Response(status: verification.status == .approved ? .ok : .forbidden)
        } catch is VerifyError {
            return Response(status: .forbidden)
        }
    }

    /// E.164, international or, with a default region, national, as libphonenumber reads them: a trunk prefix goes,
    /// `00` is an international prefix only where it is one (not in the NANP, whose is `011`), and letters,
    /// extensions and non-ASCII digits are refused rather than rewritten into some other number.
    private func phone(_ text: String) -> PhoneNumber? {
        numbers.parse(text, defaultRegion: defaultRegion)
    }
}
