import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Twilio REST API stand-in: a real HTTP/1.1 server (Hummingbird) that checks requests as Twilio does, answers
/// like Twilio, records everything it receives, and can be scripted to fail in the ways that matter to a sender.
///
/// ```swift
/// let fake = try await FakeTwilio.start(latency: .milliseconds(200))
/// fake.enqueue(.respond(status: 429, twilioCode: 20429, retryAfter: "3"), for: .messages)
/// // point the client at fake.baseURL with fake.account's credentials …
/// let requests = try await fake.waitForRequests(count: 1)
/// await fake.stop()
/// ```
/// The `fake-twilio` executable serves the same fake to other processes, with `/_fake/…` routes for what tests do
/// here through methods.
public final class FakeTwilio: Sendable {
    /// `http://HOST:PORT`, with no trailing slash.
    public let baseURL: String
    /// The bound port.
    public let port: Int
    /// The account served and the credentials accepted.
    public var account: FakeTwilioAccount { state.account }

    private let state: FakeTwilioState
    private let services: ServiceGroup
    private let server: Task<Void, any Error>
    private let executor: FakeTwilioExecutor
    private let eventLoops: MultiThreadedEventLoopGroup

    private init(
        state: FakeTwilioState, services: ServiceGroup, server: Task<Void, any Error>, executor: FakeTwilioExecutor,
        eventLoops: MultiThreadedEventLoopGroup, host: String, port: Int
    ) {
        self.state = state
        self.services = services
        self.server = server
        self.executor = executor
        self.eventLoops = eventLoops
        self.port = port
        self.baseURL = "http://\(host):\(port)"
    }

    /// Starts a fake on `host` and `port` (0: one the kernel picks) serving `account`; every Messages and Calls
    /// answer comes `latency` after the request, without holding up other requests.
    public static func start(
        account: FakeTwilioAccount = FakeTwilioAccount(),
        latency: Duration = .zero,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger? = nil
    ) async throws -> FakeTwilio {
        let state = FakeTwilioState(account: account, latency: latency)
        var quiet = Logger(label: "FakeTwilio")
        quiet.logLevel = .warning
        let (bound, reportBound) = AsyncStream<Int>.makeStream()
        // Threads of its own for sockets and for handlers, as a separate server would have.
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let executor = FakeTwilioExecutor()
        let application = Application(
            router: FakeTwilioRoutes.router(state),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionCounter(state: state)])),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                reportBound.yield(channel.localAddress?.port ?? 0)
                reportBound.finish()
            },
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger ?? quiet
        )
        let services = ServiceGroup(services: [application], logger: logger ?? quiet)
        let server = Task(executorPreference: executor) {
            defer { reportBound.finish() }
            try await services.run()
        }
        guard let port = await bound.first(where: { _ in true }) else {
            // The server ended before it listened: its error says why (a port in use, say).
            let result = await server.result
            executor.stop()
            try? await eventLoops.shutdownGracefully()
            try result.get()
            throw FakeTwilioStartError()
        }
        return FakeTwilio(
            state: state, services: services, server: server, executor: executor, eventLoops: eventLoops, host: host,
            port: port)
    }

    /// Queues behaviours for the next requests to `endpoint`, consumed one per request in order; when the queue is
    /// empty the fake behaves as `.succeed`. Requests failing authentication get 401 without consuming one.
    public func enqueue(_ behaviors: FakeTwilioBehavior..., for endpoint: FakeTwilioEndpoint) {
        state.enqueue(behaviors, for: endpoint)
    }

    /// Every request received so far, in arrival order.
    public var requests: [FakeTwilioRequest] { state.requests }

    /// Every message created so far, in arrival order.
    public var messages: [FakeTwilioMessage] { state.messages }

    /// Requests, created resources, and the most requests handled at once.
    public var stats: FakeTwilioStats { state.stats }

    /// How many TCP connections clients have opened so far; shows whether connections are reused.
    public var connectionCount: Int { state.connectionCount }

    /// Makes every request wait, once read and recorded, until `releaseResponses()`: how many arrive meanwhile is
    /// how many a client has in flight at once.
    public func holdResponses() {
        state.hold()
    }

    /// Lets held requests be answered, and later ones pass.
    public func releaseResponses() {
        state.release()
    }

    /// Forgets requests, messages, counts and scripts.
    public func reset() {
        state.reset()
    }

    /// Every request received so far, once there are at least `count`; throws `FakeTwilioWaitError` when
    /// `timeout` passes first.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(10)) async throws -> [FakeTwilioRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let requests = state.requests
            if requests.count >= count { return requests }
            guard ContinuousClock.now < deadline else {
                throw FakeTwilioWaitError(expected: count, received: requests.count, timeout: timeout)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Closes the listener and every connection: held, delayed and hanging requests end at once.
    public func stop() async {
        await services.triggerGracefulShutdown()
        state.release()
        _ = await server.result
        executor.stop()
        try? await eventLoops.shutdownGracefully()
    }
}

/// Counts connections: the pipeline gets a new one of these per accepted connection.
private final class ConnectionCounter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    let state: FakeTwilioState

    init(state: FakeTwilioState) {
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        state.connectionOpened()
    }
}

/// The fake's server stopped before it was listening, without saying why.
public struct FakeTwilioStartError: Error, CustomStringConvertible {
    public var description: String { "the fake Twilio server stopped before it was listening" }
}

/// `waitForRequests` gave up: too few requests arrived before the timeout.
public struct FakeTwilioWaitError: Error, Sendable, CustomStringConvertible {
    public let expected: Int
    public let received: Int
    public let timeout: Duration

    public var description: String {
        "FakeTwilio received \(received) of \(expected) expected requests within \(timeout)"
    }
}
