import Foundation
import Hummingbird
import Logging
import VerifyCore

/// `/v2/Services`: create, list (paged as Twilio pages), fetch, update, delete.
struct ServiceRoutes: Sendable {
    let services: any ServiceStore
    let json: ResourceJSON

    static let defaultPageSize = 50
    static let maximumPageSize = 1000
    /// Keeps `Page × PageSize` (the offset) far from overflowing, which would crash the process.
    static let maximumPage = 1_000_000

    func register(on router: RouterGroup<APIRequestContext>) {
        router.post("/v2/Services") { request, context in try await create(request, context) }
        router.get("/v2/Services") { request, _ in try await list(request) }
        router.get("/v2/Services/{service}") { _, context in try await fetch(context) }
        router.post("/v2/Services/{service}") { request, context in try await update(request, context) }
        router.delete("/v2/Services/{service}") { _, context in try await delete(context) }
    }

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try await RequestParameters.read(request, context: context)
        guard try parameters["FriendlyName"] != nil else { throw VerifyError.invalid("FriendlyName") }
        var settings = ServiceSettings(friendlyName: "")
        try settings.apply(parameters)
        let service = try await services.create(settings)
        context.logger.info("service.created", metadata: ["sid": "\(service.sid)"])
        return json.service(service).response(status: .created)
    }

    private func fetch(_ context: APIRequestContext) async throws -> Response {
        let sid = try Self.serviceSid(context)
        guard let service = try await services.service(sid) else { throw Self.notFound(sid) }
        return json.service(service).response()
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let sid = try Self.serviceSid(context)
        let parameters = try await RequestParameters.read(request, context: context)
        guard let service = try await services.update(sid, { try $0.apply(parameters) }) else {
            throw Self.notFound(sid)
        }
        return json.service(service).response()
    }

    private func delete(_ context: APIRequestContext) async throws -> Response {
        let sid = try Self.serviceSid(context)
        guard try await services.delete(sid) else { throw Self.notFound(sid) }
        context.logger.info("service.deleted", metadata: ["sid": "\(sid)"])
        return Response(status: .noContent)
    }

    private func list(_ request: Request) async throws -> Response {
        let query = try RequestParameters.query(request)
        let pageSize = try Self.number(try query["PageSize"], default: Self.defaultPageSize, name: "PageSize")
        let page = try Self.number(try query["Page"], default: 0, name: "Page")
        guard (1...Self.maximumPageSize).contains(pageSize) else { throw VerifyError.invalid("PageSize") }
        guard page <= Self.maximumPage else { throw VerifyError.invalid("Page") }
        let token = try query["PageToken"]
        let cursor = try token.map(Self.cursor)
        let rows = try await services.list(after: cursor, offset: page * pageSize, limit: pageSize + 1)
        let shown = Array(rows.prefix(pageSize))
        let base = "\(json.publicURL)/v2/Services?PageSize=\(pageSize)"
        let next: String? =
            rows.count > pageSize ? shown.last.map { "\(base)&Page=\(page + 1)&PageToken=\(Self.token(for: $0))" } : nil
        let meta: JSONValue = .object([
            ("page", .int(page)),
            ("page_size", .int(pageSize)),
            ("first_page_url", .string("\(base)&Page=0")),
            // Pages are offsets as well as keyset tokens, so the previous page is the offset one before.
            ("previous_page_url", .string(page > 0 ? "\(base)&Page=\(page - 1)" : nil)),
            ("url", .string("\(base)&Page=\(page)" + (token.map { "&PageToken=\($0)" } ?? ""))),
            ("next_page_url", .string(next)),
            ("key", "services"),
        ])
        return JSONValue.object([("services", .array(shown.map(json.service))), ("meta", meta)]).response()
    }

    // MARK: Helpers

    static func serviceSid(_ context: APIRequestContext) throws -> ServiceSid {
        let raw = context.parameters.get("service") ?? ""
        guard let sid = ServiceSid(raw) else { throw APIError.notFound(path: "/Services/\(raw.prefix(34))") }
        return sid
    }

    static func notFound(_ sid: ServiceSid) -> VerifyError { VerifyError(.notFound(.service(sid))) }

    private static func number(_ text: String?, default value: Int, name: String) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), number >= 0 else { throw VerifyError.invalid(name) }
        return number
    }

    /// Page tokens name the last service shown: `PA` + its creation time in microseconds + `_` + its SID.
    static func token(for service: VerifyService) -> String {
        "PA\(Int64((service.createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(service.sid)"
    }

    static func cursor(_ token: String) throws -> ServicePageCursor {
        let parts = token.dropFirst(2).split(separator: "_", maxSplits: 1)
        guard token.hasPrefix("PA"), parts.count == 2, (1...18).contains(parts[0].count),
            parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let micros = Int64(parts[0]),
            let sid = ServiceSid(parts[1])
        else {
            throw VerifyError.invalid("PageToken")
        }
        return ServicePageCursor(createdAtMicroseconds: micros, sid: sid)
    }
}
