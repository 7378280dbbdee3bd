import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP server on 127.0.0.1 standing in for an on-call tool: it records every
/// webhook request, checks its HMAC-SHA256 signature itself (with swift-crypto, not with
/// the sender's code), and answers with the status `answer` gives for the request's number
/// (1, 2, ...). It is listening when `with` calls its body, so no test waits for it to come
/// up, and it is closed (with every connection it accepted) before `with` returns.
final class WebhookReceiver: Sendable {
    struct Request: Sendable {
        var status: Int
        var validSignature: Bool
        var body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var event: String? { json["event"] as? String }
        var alarmKind: String? { (json["alarm"] as? [String: Any])?["kind"] as? String }
    }

    struct State {
        var requests: [Request] = []
        var connections: [any Channel] = []
    }

    let secret: String
    let answer: @Sendable (Int) -> Int
    let state = Mutex(State())

    private init(secret: String, answer: @escaping @Sendable (Int) -> Int) {
        self.secret = secret
        self.answer = answer
    }

    /// Every request received so far, in order.
    var requests: [Request] { state.withLock { $0.requests } }

    /// Runs `body` with a receiver listening on `port` (0: any free port, see `port`).
    static func with<T>(port: Int = 0, secret: String, answer: @escaping @Sendable (Int) -> Int = { _ in 200 },
                        _ body: (WebhookReceiver, Int) async throws -> T) async throws -> T {
        let receiver = WebhookReceiver(secret: secret, answer: answer)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                receiver.state.withLock { $0.connections.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(receiver: receiver))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let bound = server.localAddress?.port ?? port
        do {
            let result = try await body(receiver, bound)
            await receiver.close(server)
            return result
        } catch {
            await receiver.close(server)
            throw error
        }
    }

    private func close(_ server: any Channel) async {
        try? await server.close()
        for connection in state.withLock({ $0.connections }) { try? await connection.close() }
    }

    /// Records a request and returns the status to answer it with.
    fileprivate func receive(headers: HTTPHeaders, body: Data) -> Int {
        let valid = Self.verify(signature: headers.first(name: "X-Udtraek-Signature") ?? "", body: body, secret: secret)
        return state.withLock { s in
            let status = answer(s.requests.count + 1)
            s.requests.append(Request(status: status, validSignature: valid, body: body))
            return status
        }
    }

    /// `t=UNIX,v1=HEX` with HEX = HMAC-SHA256(secret, "UNIX." + body).
    static func verify(signature: String, body: Data, secret: String) -> Bool {
        var parts: [String: String] = [:]
        for part in signature.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { parts[pair[0]] = pair[1] }
        }
        guard let t = parts["t"], let v1 = parts["v1"] else { return false }
        var message = Data((t + ".").utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined() == v1
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let receiver: WebhookReceiver
        var head: HTTPRequestHead?
        var body = Data()

        init(receiver: WebhookReceiver) { self.receiver = receiver }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = Data()
            case .body(var buffer):
                body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
            case .end:
                guard let head else { return }
                let status = receiver.receive(headers: head.headers, body: body)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                let response = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
                context.write(wrapOutboundOut(.head(response)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                self.head = nil
            }
        }
    }
}
