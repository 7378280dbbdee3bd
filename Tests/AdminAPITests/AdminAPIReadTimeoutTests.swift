#if canImport(Glibc)
import Glibc
#endif
import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Runtime
import Store
import Testing

/// Issue 11: half-sent requests and trickled bodies held the admin API's connections for as
/// long as the client liked. Over real sockets, with small timeouts: each kind of stalled
/// client is disconnected once its timeout has passed (the upper bounds are generous, as
/// the machine may be busy; the lower bounds hold because no timer fires early).
@Suite struct AdminAPIReadTimeoutTests {
    static let timeouts = AdminTimeouts(header: .seconds(1), body: .seconds(1), idle: .seconds(1))
    /// The raw clients block on their sockets: on threads of their own, not the cooperative pool.
    static let clients = BlockingExecutor(threads: 8)

    func withServer(_ body: @escaping @Sendable (_ port: Int, _ store: Store) async throws -> Void) async throws {
        let fx = try AdminAPITests.Fixture()
        defer { fx.tearDown() }
        let store = fx.store
        try await fx.api(timeouts: Self.timeouts).application(host: "127.0.0.1", port: 0).test(.live) { client in
            try await body(try #require(client.port), store)
        }
    }

    @Test func aHalfSentRequestIsClosedAfterTheHeaderTimeout() async throws {
        try await withServer { port, _ in
            let (closed, elapsed) = try await Self.clients.run { () throws -> (Bool, Duration) in
                let start = ContinuousClock.now
                let c = try RawConnection(port: port)
                _ = c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  // the head never ends
                let closed = c.closedByPeer(within: .seconds(120))
                return (closed, ContinuousClock.now - start)
            }
            #expect(closed, "the half-sent request was still open after 120 s")
            #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(120), "\(elapsed)")
        }
    }

    @Test func aTrickledBodyIsClosedAfterTheBodyTimeout() async throws {
        try await withServer { port, store in
            let (closed, sent) = try await Self.clients.run { () throws -> (Bool, Int) in
                let c = try RawConnection(port: port)
                guard c.send("POST /api/v1/extracts/kbh-status/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             + "Authorization: Bearer \(AdminAPITests.token)\r\nContent-Type: application/json\r\n"
                             + "Content-Length: 1000\r\n\r\n{") else { return (false, 0) }
                // One byte every 200 ms: each part read would keep a mere idle timer from firing.
                var sent = 1
                while sent < 1000 {
                    if c.closedByPeer(within: .milliseconds(200)) { return (true, sent) }
                    guard c.send(" ") else { return (true, sent) }
                    sent += 1
                }
                return (false, sent)
            }
            #expect(closed && sent < 1000, "the trickled body was read to its end (\(sent) bytes)")
            // Cut before the handler had the body: nothing was queued.
            #expect(try store.runs().isEmpty)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withServer { port, _ in
            let (answer, closed, elapsed) = try await Self.clients.run { () throws -> (String, Bool, Duration) in
                let c = try RawConnection(port: port)
                let start = ContinuousClock.now
                _ = c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let answer = c.receive(atLeast: "ok\n", within: .seconds(120))
                let closed = c.closedByPeer(within: .seconds(120))
                return (answer, closed, ContinuousClock.now - start)
            }
            #expect(answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix("ok\n"), "\(answer)")
            #expect(closed && elapsed < .seconds(120), "the idle connection was still open after 120 s")
            // The idle timer starts once the answer has gone out, after the request was sent.
            #expect(elapsed >= .milliseconds(950), "\(elapsed)")
        }
    }
}

/// A plain TCP connection to 127.0.0.1, written and read as a slow or stalled client would.
/// Blocking: use it on a thread of its own.
final class RawConnection {
    let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false when the peer has closed the connection.
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads until `text` has been received or `timeout` has passed; returns all read.
    func receive(atLeast text: String, within timeout: Duration) -> String {
        var received: [UInt8] = []
        let end = ContinuousClock.now + timeout
        while !String(decoding: received, as: UTF8.self).hasSuffix(text), ContinuousClock.now < end {
            guard let chunk = read(within: end - ContinuousClock.now), !chunk.isEmpty else { break }
            received += chunk
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the peer closes the connection within `timeout` (anything it sends first is
    /// read and dropped).
    func closedByPeer(within timeout: Duration) -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            guard let chunk = read(within: end - ContinuousClock.now) else { return false }
            if chunk.isEmpty { return true }
        }
        return false
    }

    /// Bytes read, empty at the end of the stream (or a reset), nil when nothing came in time.
    private func read(within timeout: Duration) -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ms = Int32(max(1, min(Double(Int32.max), timeout.inSeconds * 1000)))
        guard poll(&p, 1, ms) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}
