import Foundation
import Hummingbird
import Logging
import VerifyCore

/// `/v2/SafeList/Numbers`: Twilio's Safe List, account-wide. Fetch and delete carry the number in the path, so no log
/// line may name the path (the access log writes the route template) and these handlers log no identifier at all:
/// even an entry's SID carries the number's bucket.
struct SafeListRoutes: Sendable {
    let safeList: any SafeListStore
    let json: ResourceJSON

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/v2/SafeList/Numbers") { request, context in try await create(request, context) }
        router.get("/v2/SafeList/Numbers/{number}") { _, context in try await fetch(context) }
        router.delete("/v2/SafeList/Numbers/{number}") { _, context in try await delete(context) }
    }

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try await RequestParameters.read(request, context: context)
        guard let phone = try parameters["PhoneNumber"].flatMap({ PhoneNumber(e164: $0) }) else {
            throw VerifyError.invalid("PhoneNumber")
        }
        let entry = try await safeList.add(phone)
        context.logger.info("safe_list.number.added")
        return json.safeListEntry(entry).response(status: .created)
    }

    private func fetch(_ context: APIRequestContext) async throws -> Response {
        let phone = try Self.phone(context)
        guard let entry = try await safeList.entry(phone) else { throw Self.notFound(phone) }
        return json.safeListEntry(entry).response()
    }

    private func delete(_ context: APIRequestContext) async throws -> Response {
        let phone = try Self.phone(context)
        guard try await safeList.remove(phone) else { throw Self.notFound(phone) }
        context.logger.info("safe_list.number.removed")
        return Response(status: .noContent)
    }

    /// The number of the path. Twilio's libraries put it there as it is (`+` is a path character, not a space);
    /// others percent-encode it (`%2B…`). Anything but E.164 names no entry.
    static func phone(_ context: APIRequestContext) throws -> PhoneNumber {
        let raw = context.parameters.get("number") ?? ""
        guard let phone = raw.removingPercentEncoding.flatMap({ PhoneNumber(e164: $0) }) else {
            throw APIError.notFound(path: "/SafeList/Numbers/\(raw.prefix(48))")
        }
        return phone
    }

    /// Twilio's 404 names the path; the caller sent the number, and answers are not logged.
    private static func notFound(_ phone: PhoneNumber) -> APIError {
        APIError.notFound(path: "/SafeList/Numbers/\(phone.e164)")
    }
}
