import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy for fault injection, with no network namespaces, so it runs as any user: it forwards to a
/// target, stops forwarding without closing anything (a black hole: the kernel still accepts and acknowledges, but
/// no byte moves), refuses (accepts and closes at once), cuts every open connection, or cuts one connection the
/// moment its client sends given bytes (`cut(whenClientSends:deliverFirst:)`).
public final class TCPProxy: Sendable {
    public enum Mode: Sendable {
        case forward
        case blackHole
        case refuse
    }

    private struct State {
        var mode = Mode.forward
        var accepted = 0
        var channels: [ObjectIdentifier: any Channel] = [:]
        var trap: Trap?
    }

    /// Bytes that, sent by a client, end its connection; once.
    struct Trap: Sendable {
        var marker: [UInt8]
        var deliverFirst: Bool
        var sprung: @Sendable () -> Void
    }

    /// The port to connect to instead of the target's.
    public let port: Int
    private let server: any Channel
    private let state = Mutex(State())

    private init(server: any Channel) {
        self.server = server
        self.port = server.localAddress?.port ?? 0
    }

    /// Listens on 127.0.0.1 and forwards every connection to `host:port`.
    public static func start(forwardingTo host: String, port targetPort: Int) async throws -> TCPProxy {
        let box = StateBox()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                box.accept(inbound, host: host, port: targetPort)
                return inbound.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = TCPProxy(server: server)
        box.proxy.withLock { $0 = proxy }
        return proxy
    }

    /// Connections accepted so far, whatever the mode.
    public var accepted: Int { state.withLock { $0.accepted } }

    /// Changes what happens to open and new connections.
    public func setMode(_ mode: Mode) {
        let channels = state.withLock { state in
            state.mode = mode
            return Array(state.channels.values)
        }
        for channel in channels { channel.setOption(.autoRead, value: mode == .forward).whenComplete { _ in } }
    }

    /// Arms a one-time trap: the first chunk a client sends that contains `marker` ends its connection on both sides,
    /// after the round trip that holds it reached the target (`deliverFirst`) or before the chunk did. `sprung` runs
    /// when it happens. With `COMMIT` as the marker, this is a connection cut during a commit, after or before the
    /// server got it. The round trip ends with the chunk that ends with a Sync message (the extended protocol, all
    /// verifyd speaks): libpq may write a statement apart from its Sync, and a server that never gets the Sync
    /// rolls the statement's implicit transaction back, so cutting before it would not be "after the server got it".
    public func cut(whenClientSends marker: String, deliverFirst: Bool, sprung: @escaping @Sendable () -> Void = {}) {
        state.withLock { $0.trap = Trap(marker: Array(marker.utf8), deliverFirst: deliverFirst, sprung: sprung) }
    }

    /// The armed trap, disarmed, when `bytes` spring it.
    fileprivate func springTrap(_ bytes: ByteBuffer) -> Trap? {
        state.withLock { state in
            guard let trap = state.trap else { return nil }
            let view = Array(bytes.readableBytesView)
            guard view.count >= trap.marker.count,
                (0...(view.count - trap.marker.count)).contains(where: {
                    view[$0..<($0 + trap.marker.count)].elementsEqual(trap.marker)
                })
            else { return nil }
            state.trap = nil
            return trap
        }
    }

    /// Closes every open connection on both sides; new ones are handled by the mode.
    public func cutConnections() {
        let channels = state.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Stops listening and cuts every connection.
    public func close() async {
        cutConnections()
        try? await server.close()
    }

    fileprivate func accept(_ inbound: any Channel, host: String, port: Int) {
        let mode = state.withLock { state -> Mode in
            state.accepted += 1
            return state.mode
        }
        guard mode != .refuse else {
            inbound.close(promise: nil)
            return
        }
        track(inbound)
        ClientBootstrap(group: inbound.eventLoop)
            .channelOption(.autoRead, value: false)
            .connect(host: host, port: port)
            .whenComplete { result in
                guard case .success(let outbound) = result else {
                    inbound.close(promise: nil)
                    return
                }
                self.track(outbound)
                _ = inbound.pipeline.addHandler(Pipe(partner: outbound, trapsOf: self))
                _ = outbound.pipeline.addHandler(Pipe(partner: inbound, trapsOf: nil))
                let forwarding = self.state.withLock { $0.mode == .forward }
                inbound.setOption(.autoRead, value: forwarding).whenComplete { _ in }
                outbound.setOption(.autoRead, value: forwarding).whenComplete { _ in }
            }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        state.withLock { $0.channels[key] = channel }
        channel.closeFuture.whenComplete { _ in self.state.withLock { _ = $0.channels.removeValue(forKey: key) } }
    }
}

/// Lets the child channel initializer reach the proxy, which exists only once the listener is bound.
private final class StateBox: Sendable {
    let proxy = Mutex<TCPProxy?>(nil)

    func accept(_ inbound: any Channel, host: String, port: Int) {
        guard let proxy = proxy.withLock({ $0 }) else {
            inbound.close(promise: nil)
            return
        }
        proxy.accept(inbound, host: host, port: port)
    }
}

/// Writes what one side reads to the other, and closes the other side when this one closes. The client side's pipe
/// also looks for the proxy's trap.
private final class Pipe: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let partner: any Channel
    let proxy: TCPProxy?
    /// A trap's cut that waits for the end of the client's round trip (`TCPProxy.cut(whenClientSends:deliverFirst:)`).
    private let pendingCut = Mutex<(@Sendable () -> Void)?>(nil)

    init(partner: any Channel, trapsOf proxy: TCPProxy?) {
        self.partner = partner
        self.proxy = proxy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Self.unwrapInboundIn(data)
        if let cut = pendingCut.withLock({ Self.endsRoundTrip(bytes) ? $0.take() : nil }) {
            partner.writeAndFlush(bytes).whenComplete { _ in cut() }
            return
        }
        guard let trap = proxy?.springTrap(bytes) else {
            partner.writeAndFlush(bytes, promise: nil)
            return
        }
        let client = context.channel
        let partner = self.partner
        let cut: @Sendable () -> Void = {
            client.close(promise: nil)
            partner.close(promise: nil)
            trap.sprung()
        }
        if !trap.deliverFirst {
            cut()
        } else if Self.endsRoundTrip(bytes) {
            partner.writeAndFlush(bytes).whenComplete { _ in cut() }
        } else {
            pendingCut.withLock { $0 = cut }
            partner.writeAndFlush(bytes, promise: nil)
        }
    }

    /// Whether `bytes` end with a Sync message ('S', length 4).
    private static func endsRoundTrip(_ bytes: ByteBuffer) -> Bool {
        bytes.readableBytesView.suffix(5).elementsEqual([0x53, 0, 0, 0, 4])
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
