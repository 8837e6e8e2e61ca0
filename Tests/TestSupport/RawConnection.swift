import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection to a server on loopback, for what an HTTP client library will not do: stall, trickle
/// bytes, send a body larger than the server accepts, or malformed framing. It records everything it receives.
public final class RawConnection: Sendable {
    private final class Recorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0 += buffer.readableBytesView }
        }
    }

    private let channel: any Channel
    private let recorder: Recorder

    private init(channel: any Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
    }

    /// Connects to `127.0.0.1:port`, from `source` when given (another loopback address, `127.0.0.2`, is another
    /// client to the server).
    public static func open(port: Int, from source: String? = nil) async throws -> RawConnection {
        let recorder = Recorder()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(recorder) }
            }
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, recorder: recorder)
    }

    /// Sends `bytes`; throws once the server has closed the connection.
    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    public func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    /// Everything received so far, as text.
    public var received: String { String(decoding: recorder.received.withLock { $0 }, as: UTF8.self) }

    /// Whether the server closed the connection (or it broke).
    public var isClosed: Bool { !channel.isActive }

    /// Waits up to `timeout` for the server to close the connection; true when it did.
    public func waitUntilClosed(within timeout: Duration) async throws -> Bool {
        try await wait(within: timeout) { isClosed }
    }

    /// Waits up to `timeout` until the received bytes contain `text`; true when they do.
    public func waitForReply(containing text: String, within timeout: Duration) async throws -> Bool {
        try await wait(within: timeout) { received.contains(text) }
    }

    private func wait(within timeout: Duration, until condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    public func close() async {
        try? await channel.close()
    }
}
