import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Per-request context that keeps the connection, so a handler can drop it or leave it hanging.
struct FakeTwilioContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Twilio's REST routes for Messages and Calls, and the `/_fake/…` routes another process drives the fake with.
enum FakeTwilioRoutes {
    static func router(_ state: FakeTwilioState) -> Router<FakeTwilioContext> {
        let router = Router(context: FakeTwilioContext.self)
        router.add(middleware: TwilioNotFoundMiddleware())
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, context in
            try await create(.messages, request, context, state)
        }
        router.post("/2010-04-01/Accounts/:account/Calls.json") { request, context in
            try await create(.calls, request, context, state)
        }
        router.get("/_fake/stats") { _, _ in
            response(.json(status: 200, state.stats))
        }
        router.get("/_fake/messages") { _, _ in
            response(.json(status: 200, state.messages))
        }
        router.post("/_fake/script") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                let script = try decoder.decode(FakeTwilioScript.self, from: Data(body.readableBytesView))
                state.enqueue(script.behaviors, for: script.endpoint)
                return response(.json(status: 200, ["queued": script.behaviors.count]))
            } catch {
                return response(.json(status: 400, ["error": "\(error)"]))
            }
        }
        router.post("/_fake/reset") { _, _ in
            state.reset()
            return Response(status: .noContent)
        }
        return router
    }

    private static func create(
        _ endpoint: FakeTwilioEndpoint, _ request: Request, _ context: FakeTwilioContext, _ state: FakeTwilioState
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        let action = state.receive(
            endpoint, accountSID: context.parameters.get("account") ?? "", method: request.method.rawValue,
            path: request.uri.description, headers: request.headers.map { ($0.name.rawName, $0.value) },
            body: Array(buffer: body))
        let leave = state.enterFlight()
        defer { leave() }
        await state.waitWhileHeld()
        try await pause(state.latency)
        return try await perform(action, on: context.channel)
    }

    private static func perform(_ action: FakeTwilioAction, on channel: any Channel) async throws -> Response {
        switch action {
        case .respond(let reply):
            return response(reply)
        case .hang(let duration):
            try? await pause(duration)
            try? await channel.close()
        case .drop:
            try? await channel.close()
        case .delay(let duration, let then):
            try await pause(duration)
            return try await perform(then, on: channel)
        }
        // The connection is closed: nothing reaches the client.
        return Response(status: .internalServerError)
    }

    /// Sleeps without holding up other requests; stopping the fake cuts it short.
    private static func pause(_ duration: Duration) async throws {
        guard duration > .zero else { return }
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    static func response(_ reply: FakeTwilioReply) -> Response {
        var headers = HTTPFields()
        for (name, value) in reply.headers {
            if let name = HTTPField.Name(name) { headers.append(HTTPField(name: name, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// Twilio's 404 body (20404) for every unknown path, instead of Hummingbird's own.
private struct TwilioNotFoundMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: FakeTwilioContext, next: (Request, FakeTwilioContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let message = "The requested resource \(request.uri.path) was not found"
            return FakeTwilioRoutes.response(.json(status: 404, TwilioErrorBody(404, 20404, message)))
        }
    }
}
