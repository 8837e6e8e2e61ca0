import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// How long a client may take to send a request, and how much it may send.
public struct HTTPLimits: Sendable {
    /// From the connection's start, or the end of the previous response, until the request's headers are complete.
    /// An idle keep-alive connection is closed after it as well.
    public var headerTimeout: Duration
    /// From the end of the headers until the end of the body.
    public var bodyTimeout: Duration

    public init(headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30)) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }
}

/// verifyd's HTTP/1 server: Hummingbird's, with `RequestDeadlines` on every connection.
public func httpServer(_ limits: HTTPLimits) -> HTTPServerBuilder {
    .http1(configuration: .init(additionalChannelHandlers: [RequestDeadlines(limits)]))
}

/// Closes connections whose client is slow: a header or body that trickles in or stalls is cut off once its timeout
/// passes, however steadily bytes arrive (an idle timeout alone resets on every byte). No timer runs while verifyd
/// works on a request it has read. A response written before its request's body was read whole (a 413, a 401)
/// closes the connection, so the rest of that body is never read.
final class RequestDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: HTTPLimits
    private var deadline: Scheduled<Void>?
    /// Between a request's head and its end.
    private var isReadingBody = false
    /// Requests whose response has not ended yet (HTTP/1 clients may pipeline).
    private var unanswered = 0
    private var closesAfterResponse = false

    init(_ limits: HTTPLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(limits.headerTimeout, context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(limits.headerTimeout, context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            isReadingBody = true
            arm(limits.bodyTimeout, context)
        case .body:
            break
        case .end:
            isReadingBody = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where isReadingBody && unanswered == 1:
            // The request being answered is the one still being read: say so, and read no more of its body. (With
            // more than one unanswered, the one being read is a later, pipelined request.)
            closesAfterResponse = true
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            unanswered -= 1
            if closesAfterResponse {
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
                return
            }
            if unanswered == 0, !isReadingBody { arm(limits.headerTimeout, context) }
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    private func arm(_ timeout: Duration, _ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension RequestDeadlines: Sendable {}
