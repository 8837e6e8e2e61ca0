import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection of the fake: collects each request, asks the shared state what to do, and does it.
final class FakeTwilioConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: FakeTwilioState
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var pending: Scheduled<Void>?

    init(state: FakeTwilioState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var chunk):
            body += chunk.readBytes(length: chunk.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            let action = state.handle(
                method: head.method.rawValue,
                target: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) },
                body: body
            )
            perform(action, keepAlive: head.isKeepAlive, context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        state.connectionOpened()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.cancel()
        pending = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func perform(_ action: FakeTwilioAction, keepAlive: Bool, context: ChannelHandlerContext) {
        switch action {
        case .respond(let response):
            write(response, keepAlive: keepAlive, context: context)
        case .drop:
            context.close(promise: nil)
        case .hang(let duration):
            pending = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) {
                context.close(promise: nil)
            }
        case .delay(let duration, let then):
            pending = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) {
                self.pending = nil
                self.perform(then, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func write(_ response: FakeTwilioResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        var head = response.head
        if !keepAlive {
            head.headers.replaceOrAdd(name: "Connection", value: "close")
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        buffer.writeString(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
