/// Everything needed to open an authenticated SSH session to one receiver's inbox.
public struct SSHConnectionOptions: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    /// Pinned host-key fingerprints in OpenSSH's form, `SHA256:<base64 without padding>`.
    /// Several are allowed so a server's key can be rotated without a delivery gap.
    public var hostKeyFingerprints: [String]
    /// When false, an unpinned server is still refused; there is no "accept anything".
    public var privateKeyPath: String
    public var passphrase: String?
    /// The previous key during an SSH key overlap: tried (with a warning) only when the
    /// server refuses `privateKeyPath`, so a receiver that has not yet installed the new
    /// public key keeps working until the overlap ends.
    public var fallbackPrivateKeyPath: String?
    public var fallbackPassphrase: String?
    public var connectTimeout: Duration
    /// Bound on every single blocking step (handshake, auth, each SFTP request).
    public var operationTimeout: Duration
    /// Cipher preference, fastest first. libssh2 1.10 offers AES-CTR and AES-CBC only.
    public var ciphers: [String]
    /// MAC preference. libssh2 1.10 has no encrypt-then-MAC and no UMAC.
    public var macs: [String]

    public init(host: String, port: Int = 22, user: String, hostKeyFingerprints: [String],
                privateKeyPath: String, passphrase: String? = nil,
                connectTimeout: Duration = .seconds(10), operationTimeout: Duration = .seconds(30),
                ciphers: [String] = SSHConnectionOptions.defaultCiphers,
                macs: [String] = SSHConnectionOptions.defaultMACs) {
        self.host = host
        self.port = port
        self.user = user
        self.hostKeyFingerprints = hostKeyFingerprints
        self.privateKeyPath = privateKeyPath
        self.passphrase = passphrase
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.ciphers = ciphers
        self.macs = macs
    }

    /// AES-128-CTR first: with AES-NI it is the cheapest cipher libssh2 1.10 has.
    public static let defaultCiphers = ["aes128-ctr", "aes192-ctr", "aes256-ctr"]
    /// SHA-256 first (SHA extensions make it as cheap as SHA-1 on current CPUs and it is
    /// the stronger choice); SHA-1 for old servers.
    public static let defaultMACs = ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"]

    var endpoint: String { "\(user)@\(host):\(port)" }
}
