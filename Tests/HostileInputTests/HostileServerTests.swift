#if canImport(Glibc)
import Glibc
#endif
import SFTPClient
import Testing
import UdtraekTesting

/// A receiver's sshd is outside our control: whatever it sends during the algorithm probe
/// must end in a handshake error, never a trap.
@Suite struct HostileServerTests {
    static let banner = Array("SSH-2.0-hostile\r\n".utf8)

    @Test(arguments: [
        ("packet length 0", banner + [0, 0, 0, 0, 0]),
        ("packet length 1", banner + [0, 0, 0, 1, 0]),
        ("packet length 2^32-1", banner + [0xFF, 0xFF, 0xFF, 0xFF, 0]),
        ("not KEXINIT", banner + [0, 0, 0, 20, 4] + [UInt8](repeating: 21, count: 19)),
        ("truncated KEXINIT", banner + [0, 0, 0, 22, 4, 20] + [UInt8](repeating: 0, count: 16) + [0xFF, 0xFF, 0xFF, 0xFF]),
        ("no banner", [UInt8](repeating: 0x41, count: 9000)),
        ("closes at once", []),
    ])
    func algorithmProbeRefusesWhatAHostileServerSends(what: String, reply: [UInt8]) async throws {
        let server = try OneShotServer()
        let port = server.port
        try await offThePool {
            async let answered: Void = offThePool { server.answerOnce(with: reply) }
            #expect(throws: SFTPError.self, "\(what)") {
                _ = try ServerAlgorithms.probe(host: "127.0.0.1", port: port, timeout: .seconds(30))
            }
            try await answered
        }
    }
}

/// A listener on 127.0.0.1 that answers one connection with `reply` and closes it.
private final class OneShotServer: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Accepts one connection, sends `reply`, closes. Blocks: run it off the pool.
    func answerOnce(with reply: [UInt8]) {
        let client = accept(fd, nil, nil)
        guard client >= 0 else { return }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(client, Int32(SHUT_WR))
        var sink = [UInt8](repeating: 0, count: 256)
        while sink.withUnsafeMutableBytes({ recv(client, $0.baseAddress, $0.count, 0) }) > 0 {}
        close(client)
    }

    deinit { close(fd) }
}
