import Foundation
import Hummingbird
import Logging
import VerifyCore

/// `/v2/Services`: create, list (paged as Twilio pages), fetch, update, delete.
struct ServiceRoutes: Sendable {
    let services: any ServiceStore
    let json: ResourceJSON
    /// Told after a service changed or went, so this instance screens starts on the new settings at once.
    let changed: @Sendable (ServiceSid) -> Void

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
        changed(sid)
        return json.service(service).response()
    }

    private func delete(_ context: APIRequestContext) async throws -> Response {
        let sid = try Self.serviceSid(context)
        guard try await services.delete(sid) else { throw Self.notFound(sid) }
        changed(sid)
        context.logger.info("service.deleted", metadata: ["sid": "\(sid)"])
        return Response(status: .noContent)
    }

    private func list(_ request: Request) async throws -> Response {
        let page = try ListPage<ServiceKind>(request)
        let rows = try await services.list(after: page.cursor, offset: page.offset, limit: page.limit)
        return page.response(
            rows, key: "services", path: "/Services", publicURL: json.publicURL, render: json.service,
            position: { ServicePageCursor(after: $0.sid, createdAt: $0.createdAt) })
    }

    // MARK: Helpers

    static func serviceSid(_ context: APIRequestContext) throws -> ServiceSid {
        let raw = context.parameters.get("service") ?? ""
        guard let sid = ServiceSid(raw) else { throw APIError.notFound(path: "/Services/\(raw.prefix(34))") }
        return sid
    }

    static func notFound(_ sid: ServiceSid) -> VerifyError { VerifyError(.notFound(.service(sid))) }
}
