import Logging
import NIOCore
import NIOHTTPTypes
import Runtime

/// How long the admin API waits for a client, so half-sent requests and trickled bodies
/// cannot hold its connections: a client that has opened a connection must send a whole
/// request head within `header`; once the head is in, the whole body within `body`
/// (counted from the head, so a body trickled a byte at a time is cut too); after an
/// answer, a keep-alive connection may wait `idle` for its next request. The time the
/// handler itself takes is not limited here.
public struct AdminTimeouts: Sendable, Equatable {
    public var header: Duration
    public var body: Duration
    public var idle: Duration

    public init(header: Duration = .seconds(10), body: Duration = .seconds(30), idle: Duration = .seconds(60)) {
        self.header = header
        self.body = body
        self.idle = idle
    }
}

/// Closes a connection whose client is slower than `AdminTimeouts` allow. Sits after the
/// HTTP decoder, where the request's head, body parts and end are seen; the timers run on
/// the injected clock.
final class RequestReadTimeouts: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What the connection is waiting for, and so which limit applies.
    enum Wait: Equatable {
        case firstHead, body, handler, nextHead, none
    }

    let timeouts: AdminTimeouts
    let clock: RuntimeClock
    let logger: Logger
    /// Requests whose head has come and whose answer has not gone out yet.
    var open = 0
    /// Whether the latest request's end has not come yet.
    var readingBody = false
    var answeredOne = false
    var active = false
    var wait = Wait.none
    /// Tells a timer that fires after the wait has changed that it is stale.
    var generation = 0
    var timer: Task<Void, Never>?

    init(timeouts: AdminTimeouts, clock: RuntimeClock, logger: Logger) {
        self.timeouts = timeouts
        self.clock = clock
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameActive(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        becameActive(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        update(.none, context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        update(.none, context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            open += 1
            readingBody = true
        case .body:
            break
        case .end:
            readingBody = false
        }
        reconsider(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            open = max(0, open - 1)
            answeredOne = true
            reconsider(context)
        }
        context.write(data, promise: promise)
    }

    private func becameActive(_ context: ChannelHandlerContext) {
        guard !active else { return }
        active = true
        reconsider(context)
    }

    /// The wait that applies now: a body still coming is limited even while its answer is
    /// being made or after it has gone out (the server reads the rest before the next request).
    private func reconsider(_ context: ChannelHandlerContext) {
        guard active else { return update(.none, context) }
        if readingBody { return update(.body, context) }
        if open > 0 { return update(.handler, context) }
        update(answeredOne ? .nextHead : .firstHead, context)
    }

    private func update(_ next: Wait, _ context: ChannelHandlerContext) {
        guard next != wait else { return }
        wait = next
        generation += 1
        timer?.cancel()
        timer = nil
        let limit: Duration
        let what: String
        switch next {
        case .firstHead: (limit, what) = (timeouts.header, "the request head was not complete")
        case .body: (limit, what) = (timeouts.body, "the request body was not complete")
        case .nextHead: (limit, what) = (timeouts.idle, "no next request came on the idle keep-alive connection")
        case .handler, .none: return
        }
        let stale = generation
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let channel = context.channel
        let (clock, logger) = (clock, logger)
        timer = Task {
            do { try await clock.sleep(until: clock.now.advanced(by: limit)) } catch { return }
            channel.eventLoop.execute {
                guard handler.value.generation == stale else { return }
                logger.info("closing an admin API connection: \(what) within \(limit)")
                channel.close(promise: nil)
            }
        }
    }
}
