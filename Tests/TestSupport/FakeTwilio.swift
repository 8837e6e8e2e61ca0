import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A Twilio REST API stand-in: a real HTTP/1.1 server on 127.0.0.1 that checks requests as Twilio does, answers
/// like Twilio, records everything it receives, and can be scripted to fail in the ways that matter to a sender.
///
/// ```swift
/// let fake = try await FakeTwilio.start()
/// fake.enqueue(.respond(status: 429, twilioCode: 20429, retryAfter: "3"), for: .messages)
/// // point the client at fake.baseURL with fake.account's credentials …
/// let requests = try await fake.waitForRequests(count: 1)
/// await fake.stop()
/// ```
/// Other processes can use it too (e.g. through `TWILIO_API_URL`): it is an ordinary socket.
public final class FakeTwilio: Sendable {
    /// `http://127.0.0.1:PORT`, with no trailing slash.
    public let baseURL: String
    /// The bound loopback port.
    public let port: Int
    /// The account served and the credentials accepted.
    public var account: FakeTwilioAccount { state.account }

    private let state: FakeTwilioState
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let logger: Logger

    private init(
        state: FakeTwilioState, group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, logger: Logger
    ) {
        self.state = state
        self.group = group
        self.channel = channel
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.logger = logger
    }

    /// Starts a fake on an ephemeral loopback port (or `port`), serving `account`.
    public static func start(
        account: FakeTwilioAccount = FakeTwilioAccount(),
        port: Int = 0,
        logger: Logger = Logger(label: "FakeTwilio")
    ) async throws -> FakeTwilio {
        let state = FakeTwilioState(account: account)
        // A group of its own: shutting it down closes every connection, hanging ones included.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(FakeTwilioConnectionHandler(state: state))
                    }
                }
                .bind(host: "127.0.0.1", port: port)
                .get()
            guard let boundPort = channel.localAddress?.port else {
                throw ChannelError.unknownLocalAddress
            }
            logger.debug("fake_twilio.started", metadata: ["port": "\(boundPort)"])
            return FakeTwilio(state: state, group: group, channel: channel, port: boundPort, logger: logger)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Queues behaviours for the next requests to `endpoint`, consumed one per request in order; when the queue is
    /// empty the fake behaves as `.succeed`. Requests failing authentication get 401 without consuming one.
    public func enqueue(_ behaviors: FakeTwilioBehavior..., for endpoint: FakeTwilioEndpoint) {
        state.enqueue(behaviors, for: endpoint)
    }

    /// Every request received so far, in arrival order.
    public var requests: [FakeTwilioRequest] {
        state.requests
    }

    /// How many TCP connections clients have opened so far; shows whether keep-alive connections are reused.
    public var connectionCount: Int {
        state.connectionCount
    }

    /// Every request received so far, once there are at least `count`; throws `FakeTwilioWaitError` when
    /// `timeout` passes first.
    public func waitForRequests(count: Int, timeout: Duration = .seconds(10)) async throws -> [FakeTwilioRequest] {
        try await state.waitForRequests(count: count, timeout: timeout)
    }

    /// Closes the listener and every connection, and fails pending waits.
    public func stop() async {
        state.stop()
        try? await channel.close()
        try? await group.shutdownGracefully()
        logger.debug("fake_twilio.stopped", metadata: ["port": "\(port)"])
    }
}
