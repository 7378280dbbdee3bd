#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected TCP socket, closed when the value is released.
///
/// libssh2 does no networking of its own beyond reading and writing a socket it is
/// handed; the connect timeout therefore lives here: a non-blocking connect bounded by
/// `poll`, then the socket is switched back to blocking for libssh2.
final class TCPConnection {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Resolves `host` and connects to the first address that answers within `timeout`.
    static func connect(host: String, port: Int, timeout: Duration) throws -> TCPConnection {
        let operation = "connecting to \(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let why = rc != 0 ? String(cString: gai_strerror(rc)) : "no address"
            throw SFTPError(.resolve, operation: operation, reason: "cannot resolve host: \(why)",
                            hint: "Check the inbox host name in the system's configuration")
        }
        defer { freeaddrinfo(list) }

        var lastFailure = SFTPError(.connect, operation: operation, reason: "no address to try")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd < 0 { continue }
            do {
                try connect(fd: fd, address: ai.pointee.ai_addr, length: ai.pointee.ai_addrlen,
                            timeout: timeout, operation: operation)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return TCPConnection(fd: fd)
            } catch let error as SFTPError {
                close(fd)
                lastFailure = error
            }
        }
        throw lastFailure
    }

    private static func connect(fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
                                timeout: Duration, operation: String) throws {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var rc = Glibc.connect(fd, address, length)
        if rc != 0 && errno == EINPROGRESS {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            rc = poll(&pfd, 1, Int32(timeout.milliseconds))
            if rc == 0 {
                throw SFTPError(.connectTimeout, operation: operation,
                                reason: "no answer within \(timeout.milliseconds) ms",
                                hint: "Check that the SFTP server is running and that no firewall drops the connection")
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if rc < 0 || soError != 0 {
                let err = rc < 0 ? errno : soError
                throw SFTPError(.connect, operation: operation, reason: String(cString: strerror(err)),
                                hint: err == ECONNREFUSED ? "Nothing listens on that port: check host, port and that the server is running" : "")
            }
        } else if rc != 0 {
            throw SFTPError(.connect, operation: operation, reason: String(cString: strerror(errno)))
        }
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
    }
}

extension Duration {
    /// Whole milliseconds, saturating at Int32.max for the C APIs that take them.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow { return Int(Int32.max) }
        return min(Int(Int32.max), Int(ms.partialValue) + Int(attoseconds / 1_000_000_000_000_000))
    }
}
