#if canImport(Glibc)
import Glibc
#endif
import CUdtraekSSH2

/// The algorithms an SSH server offers, read from its KEXINIT packet.
///
/// libssh2 reports a failed negotiation only as "unable to exchange encryption keys"; an
/// operator needs to see which algorithms each side offered to fix it (libssh2 1.10 has
/// AES-CTR with HMAC-SHA1/SHA2 only: no GCM, no ChaCha20, no encrypt-then-MAC). The server
/// sends KEXINIT in clear right after the version exchange, so a short second connection
/// can read it without authenticating.
public struct ServerAlgorithms: Sendable, Equatable {
    public var kex: [String]
    public var hostKey: [String]
    public var ciphers: [String]
    public var macs: [String]

    /// Connects, exchanges banners, and parses the server's KEXINIT.
    public static func probe(host: String, port: Int, timeout: Duration) throws -> ServerAlgorithms {
        let operation = "reading the algorithms offered by \(host):\(port)"
        let connection = try TCPConnection.connect(host: host, port: port, timeout: timeout)
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let banner = Array("SSH-2.0-udtraek_probe\r\n".utf8)
        _ = banner.withUnsafeBytes { send(connection.fd, $0.baseAddress, $0.count, 0) }

        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        func fill(_ count: Int) throws {
            while buffer.count < count {
                let n = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { throw SFTPError(.handshake, operation: operation, reason: "the server closed the connection") }
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
        // Skip the server's identification line(s) up to and including "SSH-...\r\n".
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = buffer[..<nl]
                buffer.removeSubrange(...nl)
                if line.starts(with: Array("SSH-".utf8)) { break }
            } else if buffer.count > 8192 {
                throw SFTPError(.handshake, operation: operation, reason: "no SSH banner from the server")
            } else {
                try fill(buffer.count + 1)
            }
        }
        try fill(5)
        let packetLength = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        // RFC 4253 §6: a packet carries at least the padding-length byte and a message
        // number, and at most 35,000 bytes; a hostile server must not make us trap.
        guard (2..<65536).contains(packetLength) else {
            throw SFTPError(.handshake, operation: operation, reason: "implausible packet length \(packetLength)")
        }
        try fill(4 + packetLength)
        return try parse(kexinit: Array(buffer[5..<(4 + packetLength)]), operation: operation)
    }

    static func parse(kexinit payload: [UInt8], operation: String) throws -> ServerAlgorithms {
        guard payload.first == 20, payload.count > 17 else {
            throw SFTPError(.handshake, operation: operation, reason: "the server's first packet is not KEXINIT")
        }
        var offset = 17 // message number and 16-byte cookie
        var lists: [[String]] = []
        while lists.count < 6, let field = sshString(payload, &offset) {
            lists.append(String(decoding: field, as: UTF8.self).split(separator: ",").map(String.init))
        }
        guard lists.count == 6 else {
            throw SFTPError(.handshake, operation: operation, reason: "truncated KEXINIT")
        }
        return ServerAlgorithms(kex: lists[0], hostKey: lists[1], ciphers: lists[2], macs: lists[4])
    }
}

/// What this libssh2 build supports for a method type, as libssh2 reports it.
func clientAlgorithms(_ session: OpaquePointer, _ method: Int32) -> [String] {
    var algs: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    let n = libssh2_session_supported_algs(session, method, &algs)
    guard n > 0, let algs else { return [] }
    defer { libssh2_free(session, algs) }
    return (0..<Int(n)).compactMap { algs[$0].map { String(cString: $0) } }
}

/// The host key a server presents, read with a handshake and no authentication, so an
/// operator can pin it (`udtraek keys fingerprint`).
public struct PresentedHostKey: Sendable {
    public var fingerprint: String
    public var type: String

    public static func fetch(host: String, port: Int, timeout: Duration = .seconds(10)) throws -> PresentedHostKey {
        LibSSH2.ensureInitialised()
        let connection = try TCPConnection.connect(host: host, port: port, timeout: timeout)
        guard let session = udtraek_ssh2_session_init() else {
            throw SFTPError(.handshake, operation: "reading the host key of \(host):\(port)", reason: "libssh2 could not allocate a session")
        }
        defer {
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "fingerprint only", "")
            libssh2_session_free(session)
        }
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, timeout.milliseconds)
        let rc = libssh2_session_handshake(session, connection.fd)
        guard rc == 0 else {
            let (_, message) = lastError(session)
            throw SFTPError(.handshake, operation: "reading the host key of \(host):\(port)", reason: message, libssh2Code: rc)
        }
        guard let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) else {
            throw SFTPError(.handshake, operation: "reading the host key of \(host):\(port)", reason: "the server sent no host key")
        }
        let bytes = UnsafeRawPointer(hash).withMemoryRebound(to: UInt8.self, capacity: 32) {
            Array(UnsafeBufferPointer(start: $0, count: 32))
        }
        var length = 0
        var type: Int32 = 0
        _ = libssh2_session_hostkey(session, &length, &type)
        let names: [Int32: String] = [
            LIBSSH2_HOSTKEY_TYPE_RSA: "ssh-rsa", LIBSSH2_HOSTKEY_TYPE_ED25519: "ssh-ed25519",
            LIBSSH2_HOSTKEY_TYPE_ECDSA_256: "ecdsa-sha2-nistp256", LIBSSH2_HOSTKEY_TYPE_ECDSA_384: "ecdsa-sha2-nistp384",
            LIBSSH2_HOSTKEY_TYPE_ECDSA_521: "ecdsa-sha2-nistp521",
        ]
        return PresentedHostKey(fingerprint: HostKeyFingerprint.format(sha256: bytes), type: names[type] ?? "unknown")
    }
}
