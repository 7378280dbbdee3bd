import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One load run: keep-alive HTTP/1.1 connections over mTLS, each sending its next request
/// when the previous answer is complete, for a fixed time.
struct LoadRun {
    var latencies: [UInt64] = []
    var errors = 0
    var bytes = 0
    var elapsed: Double = 0
    var rate: Double { Double(latencies.count) / max(elapsed, 1e-9) }

    /// Adds another run's calls and time (rounds of the same endpoint).
    mutating func add(_ other: LoadRun) {
        latencies += other.latencies
        errors += other.errors
        bytes += other.bytes
        elapsed += other.elapsed
    }

    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
    }

    func line(_ label: String) -> String {
        String(format: "%-28@ %9.0f calls/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  errors %d  (%d calls)",
               label as NSString, rate, percentile(0.5), percentile(0.99), percentile(0.999), errors, latencies.count)
    }

    static func run(port: Int, context: NIOSSLContext, connections: Int, seconds: Int, headers: HTTPHeaders,
                    paths: [String], once: Bool = false) async throws -> LoadRun {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let deadline = NIODeadline.now() + .seconds(Int64(seconds))
        let start = NIODeadline.now()
        var futures: [EventLoopFuture<LoadRun>] = []
        for c in 0..<connections {
            let promise = group.next().makePromise(of: LoadRun.self)
            let handler = LoadHandler(headers: headers, paths: paths, offset: c * 7, deadline: deadline, once: once, promise: promise)
            let channel = ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: "127.0.0.1", port: port)
            channel.whenFailure { promise.fail($0) }
            futures.append(promise.futureResult)
        }
        var total = LoadRun()
        for f in futures { total.add(try await f.get()) }
        total.elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        try? await group.shutdownGracefully()
        return total
    }
}

final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let headers: HTTPHeaders
    let paths: [String]
    var next: Int
    let deadline: NIODeadline
    let once: Bool
    let promise: EventLoopPromise<LoadRun>
    var result = LoadRun()
    var sentAt = NIODeadline.now()
    var status = 0

    init(headers: HTTPHeaders, paths: [String], offset: Int, deadline: NIODeadline, once: Bool, promise: EventLoopPromise<LoadRun>) {
        self.headers = headers
        self.paths = paths
        self.next = offset
        self.deadline = deadline
        self.once = once
        self.promise = promise
        result.latencies.reserveCapacity(65_536)
    }

    func channelActive(context: ChannelHandlerContext) { send(context) }

    func send(_ context: ChannelHandlerContext) {
        let path = paths[next % paths.count]
        next += 1
        sentAt = .now()
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(let buffer): result.bytes += buffer.readableBytes
        case .end:
            result.latencies.append(UInt64((NIODeadline.now() - sentAt).nanoseconds))
            if status != 200 { result.errors += 1 }
            if once || NIODeadline.now() >= deadline {
                promise.succeed(result)
                context.close(promise: nil)
            } else {
                send(context)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.errors += 1
        promise.succeed(result)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) { promise.succeed(result) }
}
