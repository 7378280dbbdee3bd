import CUdtraekSSH2

/// Attributes of a remote file, as far as the server reports them.
public struct SFTPFileAttributes: Sendable, Equatable {
    public var size: UInt64?
    public var permissions: UInt?
    /// Seconds since 1970, as the server reports them (SFTP v3 has whole seconds).
    public var accessTime: UInt?
    public var modificationTime: UInt?

    public var isDirectory: Bool { permissions.map { udtraek_sftp_is_dir($0) != 0 } ?? false }
    public var isRegularFile: Bool { permissions.map { udtraek_sftp_is_reg($0) != 0 } ?? false }

    init(_ a: LIBSSH2_SFTP_ATTRIBUTES) {
        size = a.flags & UInt(LIBSSH2_SFTP_ATTR_SIZE) != 0 ? UInt64(a.filesize) : nil
        permissions = a.flags & UInt(LIBSSH2_SFTP_ATTR_PERMISSIONS) != 0 ? a.permissions : nil
        accessTime = a.flags & UInt(LIBSSH2_SFTP_ATTR_ACMODTIME) != 0 ? a.atime : nil
        modificationTime = a.flags & UInt(LIBSSH2_SFTP_ATTR_ACMODTIME) != 0 ? a.mtime : nil
    }
}

/// One entry of a remote directory listing.
public struct SFTPDirectoryEntry: Sendable, Equatable {
    public var name: String
    public var attributes: SFTPFileAttributes
}

/// The SFTP subsystem of one SSH session. Same threading rule as `SSHSession`.
public final class SFTPSession {
    let session: SSHSession
    let raw: OpaquePointer
    private var closed = false

    init(session: SSHSession) throws {
        self.session = session
        guard let sftp = libssh2_sftp_init(session.raw) else {
            let (code, message) = lastError(session.raw)
            throw SFTPError(.sftpInit, operation: "starting SFTP on \(session.options.endpoint)", reason: message,
                            hint: "Check that the server offers the sftp subsystem for this user", libssh2Code: code)
        }
        self.raw = sftp
    }

    deinit { close() }

    /// Shuts the SFTP subsystem down; nothing to do once its SSH session was closed first
    /// (`session.close()` freed everything of it, and this one must not touch it again).
    public func close() {
        guard !closed else { return }
        closed = true
        guard !session.isClosed else { return }
        libssh2_sftp_shutdown(raw)
    }

    /// The server's host and user, for messages.
    public var endpoint: String { session.options.endpoint }

    // MARK: Errors

    /// Turns a failed call into an `SFTPError`, reading the SFTP status when the failure
    /// came from the server rather than the transport.
    func failure(_ code: SFTPError.Code, _ operation: String, rc: Int32 = 0) -> SFTPError {
        if session.isBroken {
            return SFTPError(.disconnected, operation: operation,
                             reason: "the session is no longer usable after an earlier timeout or lost connection")
        }
        let error = classify(code, operation, rc: rc)
        if [.timeout, .disconnected].contains(error.code) { session.markBroken() }
        return error
    }

    private func classify(_ code: SFTPError.Code, _ operation: String, rc: Int32) -> SFTPError {
        let (sessionCode, message) = lastError(session.raw)
        let libCode = rc != 0 ? rc : sessionCode
        if libCode == LIBSSH2_ERROR_SFTP_PROTOCOL {
            let status = libssh2_sftp_last_error(raw)
            return SFTPError(code, operation: operation, reason: "the server answered \(sftpStatusName(status))",
                             libssh2Code: libCode, sftpStatus: status)
        }
        if libCode == LIBSSH2_ERROR_TIMEOUT {
            return SFTPError(.timeout, operation: operation, reason: "no answer from the server in time",
                             hint: "The server or the network is stalled; the delivery will be retried", libssh2Code: libCode)
        }
        if libCode == LIBSSH2_ERROR_SOCKET_SEND || libCode == LIBSSH2_ERROR_SOCKET_RECV
            || libCode == LIBSSH2_ERROR_SOCKET_DISCONNECT || libCode == LIBSSH2_ERROR_CHANNEL_CLOSED {
            return SFTPError(.disconnected, operation: operation, reason: "the connection was lost (\(message))", libssh2Code: libCode)
        }
        return SFTPError(code, operation: operation, reason: message, libssh2Code: libCode)
    }

    /// The SFTP status of the last failed request (SSH_FX_*).
    var lastStatus: UInt { libssh2_sftp_last_error(raw) }

    // MARK: Paths

    /// Attributes of `path`, or nil when it does not exist.
    /// Fails at once when an earlier failure left the session unusable.
    func checkUsable(_ operation: @autoclosure () -> String) throws {
        if session.isBroken { throw failure(.disconnected, operation()) }
    }

    public func stat(_ path: String) throws -> SFTPFileAttributes? {
        try checkUsable("reading the attributes of \(path)")
        var attrs = LIBSSH2_SFTP_ATTRIBUTES()
        let rc = libssh2_sftp_stat_ex(raw, path, UInt32(path.utf8.count), LIBSSH2_SFTP_STAT, &attrs)
        if rc == 0 { return SFTPFileAttributes(attrs) }
        if rc == LIBSSH2_ERROR_SFTP_PROTOCOL && lastStatus == udtraek_sftp_fx_no_such_file() { return nil }
        throw failure(.stat, "reading the attributes of \(path) on \(endpoint)", rc: rc)
    }

    /// Renames without replacing: OpenSSH's server implements SFTP v3 rename with
    /// link()+unlink(), so an existing target makes it fail instead of being overwritten.
    public func rename(_ from: String, to: String) throws {
        try checkUsable("renaming \(from)")
        let rc = libssh2_sftp_rename_ex(raw, from, UInt32(from.utf8.count), to, UInt32(to.utf8.count),
                                        Int(LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE))
        if rc != 0 {
            throw failure(.rename, "renaming \(from) to \(to) on \(endpoint)", rc: rc)
        }
    }

    public func remove(_ path: String) throws {
        try checkUsable("removing \(path)")
        let rc = libssh2_sftp_unlink_ex(raw, path, UInt32(path.utf8.count))
        if rc != 0 { throw failure(.remove, "removing \(path) on \(endpoint)", rc: rc) }
    }

    /// Removes `path` if it exists; true when something was removed.
    @discardableResult
    public func removeIfPresent(_ path: String) throws -> Bool {
        try checkUsable("removing \(path)")
        let rc = libssh2_sftp_unlink_ex(raw, path, UInt32(path.utf8.count))
        if rc == 0 { return true }
        if rc == LIBSSH2_ERROR_SFTP_PROTOCOL && lastStatus == udtraek_sftp_fx_no_such_file() { return false }
        throw failure(.remove, "removing \(path) on \(endpoint)", rc: rc)
    }

    public func makeDirectory(_ path: String, mode: Int = 0o750) throws {
        let rc = libssh2_sftp_mkdir_ex(raw, path, UInt32(path.utf8.count), mode)
        if rc != 0 { throw failure(.mkdir, "creating directory \(path) on \(endpoint)", rc: rc) }
    }

    /// Lists a directory (without `.` and `..`).
    public func list(_ path: String) throws -> [SFTPDirectoryEntry] {
        try checkUsable("listing \(path)")
        guard let handle = libssh2_sftp_open_ex(raw, path, UInt32(path.utf8.count), 0, 0, LIBSSH2_SFTP_OPENDIR) else {
            throw failure(.readdir, "listing \(path) on \(endpoint)")
        }
        defer { libssh2_sftp_close_handle(handle) }
        var entries: [SFTPDirectoryEntry] = []
        var name = [CChar](repeating: 0, count: 4096)
        while true {
            var attrs = LIBSSH2_SFTP_ATTRIBUTES()
            let n = name.withUnsafeMutableBufferPointer {
                libssh2_sftp_readdir_ex(handle, $0.baseAddress, $0.count, nil, 0, &attrs)
            }
            if n == 0 { break }
            if n < 0 { throw failure(.readdir, "listing \(path) on \(endpoint)", rc: Int32(n)) }
            let entry = name.withUnsafeBufferPointer { buffer in
                String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(n)), as: UTF8.self)
            }
            if entry == "." || entry == ".." { continue }
            entries.append(SFTPDirectoryEntry(name: entry, attributes: SFTPFileAttributes(attrs)))
        }
        return entries
    }

    // MARK: Files

    /// Opens a remote file; the handle is closed by `SFTPFile.close()` or on release.
    /// With `existing`, a file opened for writing must exist and is neither created nor
    /// truncated (a second session joining an upload another one started).
    public func open(_ path: String, write: Bool, exclusive: Bool = false, existing: Bool = false,
                     mode: Int = 0o640) throws -> SFTPFile {
        try checkUsable("opening \(path)")
        var flags = UInt(LIBSSH2_FXF_READ)
        if write && existing {
            flags = UInt(LIBSSH2_FXF_WRITE)
        } else if write {
            flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT) | UInt(exclusive ? LIBSSH2_FXF_EXCL : LIBSSH2_FXF_TRUNC)
        }
        guard let handle = libssh2_sftp_open_ex(raw, path, UInt32(path.utf8.count), flags, mode, LIBSSH2_SFTP_OPENFILE) else {
            throw failure(.open, "opening \(path) on \(endpoint)")
        }
        return SFTPFile(sftp: self, handle: handle, path: path)
    }

    /// Writes a small file in one go (metadata documents, receipts).
    public func writeFile(_ path: String, contents: [UInt8], exclusive: Bool = false) throws {
        let file = try open(path, write: true, exclusive: exclusive)
        try contents.withUnsafeBytes { try file.writeAll($0) }
        try file.fsyncIfSupported()
        try file.close()
    }

    /// Reads a whole (small) remote file.
    public func readFile(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
        let file = try open(path, write: false)
        defer { try? file.close() }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while result.count < limit {
            let n = try buffer.withUnsafeMutableBytes { try file.read(into: $0) }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// A second, independent session to the same inbox: a new connection, the same pinned
    /// host key and the same key. Parallel uploads use one per thread, because a libssh2
    /// session is used by one thread at a time and one session is CPU-bound in libssh2.
    public func openSibling() throws -> SFTPSession {
        try SSHSession(options: session.options).sftp()
    }

    func setTimeout(_ timeout: Duration) { session.setTimeout(timeout) }
    func restoreTimeout() { session.setTimeout(session.options.operationTimeout) }
}

/// An open remote file.
public final class SFTPFile {
    let sftp: SFTPSession
    private var handle: OpaquePointer?
    public let path: String

    init(sftp: SFTPSession, handle: OpaquePointer, path: String) {
        self.sftp = sftp
        self.handle = handle
        self.path = path
    }

    deinit {
        if let handle, !sftp.session.isBroken, !sftp.session.isClosed { libssh2_sftp_close_handle(handle) }
    }

    /// The libssh2 handle while the file is open.
    var rawHandle: OpaquePointer? { handle }

    /// Writes all of `bytes`. libssh2 splits a large buffer into many SFTP write requests
    /// and keeps them in flight together, so large buffers are what make uploads fast; a
    /// partial return means "acknowledged so far", and the rest is passed again.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let handle, var base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = libssh2_sftp_write(handle, base, remaining)
            if n < 0 { throw sftp.failure(.write, "writing \(path) on \(sftp.endpoint)", rc: Int32(n)) }
            base += n
            remaining -= n
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let handle, let base = buffer.baseAddress?.assumingMemoryBound(to: CChar.self) else { return 0 }
        let n = libssh2_sftp_read(handle, base, buffer.count)
        if n < 0 { throw sftp.failure(.read, "reading \(path) on \(sftp.endpoint)", rc: Int32(n)) }
        return n
    }

    public func attributes() throws -> SFTPFileAttributes {
        var attrs = LIBSSH2_SFTP_ATTRIBUTES()
        let rc = libssh2_sftp_fstat_ex(handle, &attrs, 0)
        if rc != 0 { throw sftp.failure(.stat, "reading the attributes of \(path) on \(sftp.endpoint)", rc: rc) }
        return SFTPFileAttributes(attrs)
    }

    /// Flushes the file to the server's disk with the fsync@openssh.com extension.
    /// Returns false when the server does not offer it (then there is nothing more to do).
    @discardableResult
    public func fsyncIfSupported() throws -> Bool {
        let rc = libssh2_sftp_fsync(handle)
        if rc == 0 { return true }
        if rc == LIBSSH2_ERROR_SFTP_PROTOCOL && sftp.lastStatus == udtraek_sftp_fx_op_unsupported() { return false }
        throw sftp.failure(.fsync, "flushing \(path) on \(sftp.endpoint)", rc: rc)
    }

    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        if sftp.session.isBroken || sftp.session.isClosed { return } // nothing can be closed over a dead or closed transport
        let rc = libssh2_sftp_close_handle(h)
        if rc != 0 { throw sftp.failure(.close, "closing \(path) on \(sftp.endpoint)", rc: rc) }
    }
}
