import CUdtraekSSH2
import Logging

/// One authenticated SSH session to one inbox, owned by one thread at a time.
///
/// Every call blocks, bounded by `operationTimeout` (libssh2's blocking mode with a
/// session timeout), so run it off Swift's cooperative pool. The host key is checked
/// against the pinned fingerprints before any credential or data is sent.
public final class SSHSession {
    let raw: OpaquePointer
    private let connection: TCPConnection
    public let options: SSHConnectionOptions
    /// The server's host key as seen on this connection.
    public let hostKeyFingerprint: String
    /// The algorithms negotiated for this session (cipher and MAC client to server).
    public let negotiatedCipher: String
    public let negotiatedMAC: String
    private var closed = false
    /// Whether `close()` freed the libssh2 session: an `SFTPSession` or file released later
    /// must not touch it (that would be a use after free).
    var isClosed: Bool { closed }
    /// Set after a timeout or a lost connection: the transport's state is unknown, so
    /// every later call is refused at once instead of waiting out another timeout.
    public private(set) var isBroken = false
    /// Whether the login used `options.fallbackPrivateKeyPath` (the new key was refused).
    public private(set) var usedFallbackKey = false

    /// Connects, negotiates, verifies the host key and authenticates.
    public init(options: SSHConnectionOptions, logger: Logger? = nil) throws {
        LibSSH2.ensureInitialised()
        let key = try PrivateKeyFile(path: options.privateKeyPath)
        if key.isEncrypted && (options.passphrase ?? "").isEmpty {
            throw SFTPError(.passphrase, operation: "reading private key \(key.path)",
                            reason: "the key is encrypted and no passphrase was given",
                            hint: "Set the system's passphrase_env or passphrase_file in the configuration")
        }
        let pinned = options.hostKeyFingerprints.compactMap(HostKeyFingerprint.normalise)
        guard !pinned.isEmpty else {
            throw SFTPError(.hostKeyNotPinned, operation: "connecting to \(options.endpoint)",
                            reason: "no SHA-256 host-key fingerprint is pinned for this inbox",
                            hint: "Run `udtraek keys fingerprint --host \(options.host) --port \(options.port)`, confirm the fingerprint with the server's operator, and add it to host_key_fingerprints")
        }

        self.options = options
        self.connection = try TCPConnection.connect(host: options.host, port: options.port,
                                                    timeout: options.connectTimeout)
        guard let session = udtraek_ssh2_session_init() else {
            throw SFTPError(.handshake, operation: "connecting to \(options.endpoint)", reason: "libssh2 could not allocate a session")
        }
        self.raw = session
        libssh2_session_set_blocking(session, 1)
        libssh2_session_set_timeout(session, Int(options.operationTimeout.milliseconds))
        libssh2_session_method_pref(session, LIBSSH2_METHOD_CRYPT_CS, options.ciphers.joined(separator: ","))
        libssh2_session_method_pref(session, LIBSSH2_METHOD_CRYPT_SC, options.ciphers.joined(separator: ","))
        libssh2_session_method_pref(session, LIBSSH2_METHOD_MAC_CS, options.macs.joined(separator: ","))
        libssh2_session_method_pref(session, LIBSSH2_METHOD_MAC_SC, options.macs.joined(separator: ","))

        let handshake = libssh2_session_handshake(session, connection.fd)
        if handshake != 0 {
            let error = Self.handshakeError(session: session, code: handshake, options: options)
            libssh2_session_free(session)
            throw error
        }

        // Host key first: nothing about us (user, key) leaves before the server is known.
        var offered = ""
        if let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) {
            let bytes = UnsafeRawPointer(hash).withMemoryRebound(to: UInt8.self, capacity: 32) {
                Array(UnsafeBufferPointer(start: $0, count: 32))
            }
            offered = HostKeyFingerprint.format(sha256: bytes)
        }
        self.hostKeyFingerprint = offered
        self.negotiatedCipher = libssh2_session_methods(session, LIBSSH2_METHOD_CRYPT_CS).map { String(cString: $0) } ?? "?"
        self.negotiatedMAC = libssh2_session_methods(session, LIBSSH2_METHOD_MAC_CS).map { String(cString: $0) } ?? "?"
        guard pinned.contains(offered) else {
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, "host key not pinned", "")
            libssh2_session_free(session)
            closed = true
            var mismatch = SFTPError(.hostKeyMismatch, operation: "connecting to \(options.endpoint)",
                                     reason: "the server's host key \(offered.isEmpty ? "(none)" : offered) is not among the pinned fingerprints \(pinned.joined(separator: ", "))",
                                     hint: "If the server's key was changed on purpose, confirm the new fingerprint with its operator and pin it (a host-key change order); otherwise treat this as a possible interception and do not deliver")
            mismatch.offeredHostKey = offered.isEmpty ? "(none)" : offered
            throw mismatch
        }

        var rc = options.user.withCString { user in
            libssh2_userauth_publickey_fromfile_ex(session, user, UInt32(options.user.utf8.count),
                                                   nil, key.path, options.passphrase)
        }
        if rc != 0, rc != LIBSSH2_ERROR_TIMEOUT, let fallback = options.fallbackPrivateKeyPath,
           let old = try? PrivateKeyFile(path: fallback) {
            // An SSH key overlap: the server does not know the new key yet; the old one
            // still works until the overlap ends.
            let (_, message) = lastError(session)
            logger?.warning("the server refused the new key; logging in with the previous key during its overlap", metadata: [
                "sftp.host": "\(options.host):\(options.port)", "sftp.user": "\(options.user)",
                "ssh.key": "\(key.path)", "ssh.fallback_key": "\(old.path)", "error": "\(message)",
            ])
            rc = options.user.withCString { user in
                libssh2_userauth_publickey_fromfile_ex(session, user, UInt32(options.user.utf8.count),
                                                       nil, old.path, options.fallbackPassphrase)
            }
            if rc == 0 { usedFallbackKey = true }
        }
        if rc != 0 {
            let (code, message) = lastError(session)
            libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "authentication failed", "")
            libssh2_session_free(session)
            closed = true
            throw Self.authenticationError(code: code, message: message, key: key, options: options)
        }
        logger?.debug("ssh session open", metadata: [
            "sftp.host": "\(options.host):\(options.port)", "sftp.user": "\(options.user)",
            "ssh.cipher": "\(negotiatedCipher)", "ssh.mac": "\(negotiatedMAC)",
        ])
    }

    deinit { close() }

    func markBroken() {
        isBroken = true
        libssh2_session_set_timeout(raw, 500)
    }

    /// Ends the session politely (briefly, if it is broken); safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        libssh2_session_set_timeout(raw, isBroken ? 500 : 2000)
        libssh2_session_disconnect_ex(raw, SSH_DISCONNECT_BY_APPLICATION, "done", "")
        libssh2_session_free(raw)
    }

    /// Sets the bound for the next blocking calls (used to honour an overall deadline).
    func setTimeout(_ timeout: Duration) {
        guard !isBroken else { return }
        libssh2_session_set_timeout(raw, max(1, timeout.milliseconds))
    }

    /// Opens the SFTP subsystem on this session.
    public func sftp() throws -> SFTPSession {
        try SFTPSession(session: self)
    }

    private static func handshakeError(session: OpaquePointer, code: Int32, options: SSHConnectionOptions) -> SFTPError {
        let (_, message) = lastError(session)
        let operation = "SSH handshake with \(options.host):\(options.port)"
        if code == LIBSSH2_ERROR_KEX_FAILURE || code == LIBSSH2_ERROR_METHOD_NONE {
            let ours = "ciphers \(options.ciphers.joined(separator: ",")); MACs \(options.macs.joined(separator: ","))"
            let theirs: String
            if let server = try? ServerAlgorithms.probe(host: options.host, port: options.port, timeout: options.connectTimeout) {
                theirs = "ciphers \(server.ciphers.joined(separator: ",")); MACs \(server.macs.joined(separator: ",")); key exchange \(server.kex.joined(separator: ",")); host keys \(server.hostKey.joined(separator: ","))"
            } else {
                theirs = "(could not be read)"
            }
            let supported = "ciphers \(clientAlgorithms(session, LIBSSH2_METHOD_CRYPT_CS).joined(separator: ",")); MACs \(clientAlgorithms(session, LIBSSH2_METHOD_MAC_CS).joined(separator: ","))"
            return SFTPError(.algorithmMismatch, operation: operation,
                             reason: "no common algorithm (\(message)). We offered \(ours). The server offered \(theirs). libssh2 \(LibSSH2.version) supports \(supported)",
                             hint: "Ask the server's operator to enable aes128-ctr/aes256-ctr with hmac-sha2-256 or hmac-sha1 (libssh2 1.10 has no AES-GCM, ChaCha20-Poly1305 or -etm MACs)",
                             libssh2Code: code)
        }
        if code == LIBSSH2_ERROR_TIMEOUT {
            return SFTPError(.timeout, operation: operation, reason: "no answer within \(options.operationTimeout.milliseconds) ms", libssh2Code: code)
        }
        return SFTPError(.handshake, operation: operation, reason: message,
                         hint: "Check that the port is an SSH server", libssh2Code: code)
    }

    private static func authenticationError(code: Int32, message: String, key: PrivateKeyFile, options: SSHConnectionOptions) -> SFTPError {
        let operation = "logging in as \(options.endpoint) with \(key.path)"
        if code == LIBSSH2_ERROR_FILE {
            return SFTPError(.passphrase, operation: operation,
                             reason: "the private key could not be opened: \(message)",
                             hint: key.isEncrypted ? "Check the passphrase source configured for this system" : "Check that the file is a private key in OpenSSH or PEM format",
                             libssh2Code: code)
        }
        if code == LIBSSH2_ERROR_TIMEOUT {
            return SFTPError(.timeout, operation: operation, reason: "the server did not answer within \(options.operationTimeout.milliseconds) ms", libssh2Code: code)
        }
        var hint = "Check that the server has this system's public key in the user's authorized keys and that the user name is right"
        if key.type == .rsa {
            hint += ". libssh2 1.10 signs RSA keys with SHA-1 (ssh-rsa) only, which OpenSSH 8.8 and later refuse unless PubkeyAcceptedAlgorithms includes +ssh-rsa; prefer an ed25519 key"
        }
        return SFTPError(.authentication, operation: operation, reason: "the server refused the key (\(message))", hint: hint, libssh2Code: code)
    }
}
