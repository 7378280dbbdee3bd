#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SFTPClient
import Synchronization

/// A private OpenSSH sshd on 127.0.0.1, with its own config, host key and inbox roots
/// under one directory; never the system's sshd.
///
/// Every receiver system gets an inbox root (`<directory>/inboxes/<system>/` with `IN/`
/// and `OUT/`) and its own public key in the authorized keys, bound to that root with
/// `restrict,command="internal-sftp -d ROOT"`: the key opens an SFTP session in that
/// system's inbox and nothing else (no shell, no forwarding). All systems log in as the
/// operating-system user running sshd, because SFTP user names must be real accounts and
/// a test must not create accounts; the binding is by key, as it is on the platform.
public final class LocalSSHD: @unchecked Sendable {
    public struct Account: Sendable {
        public var system: String
        public var publicKeyPath: String
        /// Where the key's SFTP session starts instead of the system's inbox root: the
        /// platform's monitoring key is bound to `inboxesRoot`, from where it sees every inbox.
        public var root: String?
        public init(system: String, publicKeyPath: String, root: String? = nil) {
            self.system = system
            self.publicKeyPath = publicKeyPath
            self.root = root
        }
    }

    public let directory: String
    public private(set) var port: Int
    public let hostKeyPath: String
    private var accounts: [Account]
    private var process: ChildProcess?

    /// The login name every account uses (the user running sshd).
    public static var loginUser: String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }

    public static let sshdPath = "/usr/sbin/sshd"

    /// Prepares the directory; `port` 0 picks a free one. A `hostKeyPath` that exists is
    /// used as it is (copied to mode 0600); otherwise a new ed25519 host key is made there.
    public init(directory: String, port: Int = 0, hostKeyPath: String? = nil, accounts: [Account] = []) throws {
        // sshd changes to / at start, so every path it is given must be absolute.
        self.directory = absolutePath(directory)
        let directory = self.directory
        self.accounts = accounts.map { Account(system: $0.system, publicKeyPath: absolutePath($0.publicKeyPath), root: $0.root) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keyPath = directory + "/ssh_host_ed25519_key"
        if let source = hostKeyPath, FileManager.default.fileExists(atPath: source) {
            if source != keyPath {
                try? FileManager.default.removeItem(atPath: keyPath)
                try? FileManager.default.removeItem(atPath: keyPath + ".pub")
                try FileManager.default.copyItem(atPath: source, toPath: keyPath)
                try FileManager.default.copyItem(atPath: source + ".pub", toPath: keyPath + ".pub")
            }
        } else if !FileManager.default.fileExists(atPath: keyPath) {
            try SSHKeys.generate(.ed25519, at: keyPath, comment: "udtraek-local-sshd")
        }
        chmod(keyPath, 0o600)
        self.hostKeyPath = keyPath
        self.port = port == 0 ? try Self.freePort() : port
    }

    deinit { stop() }

    /// The pinned-fingerprint value for this server's host key.
    public var hostKeyFingerprint: String {
        get throws { try SSHKeys.fingerprint(publicKeyPath: hostKeyPath + ".pub") }
    }

    /// The inbox root of a system (holds `IN/` and `OUT/`).
    public func inboxRoot(_ system: String) -> String { directory + "/inboxes/" + system }

    /// The folder holding every system's inbox root (`inboxes/`).
    public var inboxesRoot: String { directory + "/inboxes" }

    /// Adds an account (before `start`, or call `reloadAccounts` after).
    public func addAccount(_ account: Account) throws {
        accounts.append(account)
        if process != nil { try writeAuthorizedKeys() }
    }

    /// Rewrites the authorized keys; sshd reads the file on every login, no restart needed.
    public func writeAuthorizedKeys() throws {
        var lines: [String] = []
        for account in accounts {
            let root = account.root ?? inboxRoot(account.system)
            if account.root == nil {
                for sub in ["IN", "OUT"] {
                    try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
                }
            } else {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            }
            let key = try String(contentsOfFile: account.publicKeyPath, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            lines.append("restrict,command=\"internal-sftp -d \(root)\" \(key)")
        }
        let path = directory + "/authorized_keys"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        rename(path + ".tmp", path)
    }

    /// Authorises one more key for an existing system's inbox: during an SSH key overlap
    /// the old and the new key both open the same inbox (two authorized_keys lines).
    public func authorizeKey(system: String, publicKeyPath: String) throws {
        try addAccount(Account(system: system, publicKeyPath: absolutePath(publicKeyPath)))
    }

    /// Removes one key (not the system's other keys): the receiver dropped it.
    public func removeKey(publicKeyPath: String) throws {
        let path = absolutePath(publicKeyPath)
        accounts.removeAll { $0.publicKeyPath == path }
        try writeAuthorizedKeys()
    }

    /// Removes one system's keys from the authorized keys (to test "unknown key").
    public func removeAccount(system: String) throws {
        accounts.removeAll { $0.system == system }
        try writeAuthorizedKeys()
    }

    /// Starts sshd and waits until it answers with an SSH banner.
    public func start(timeout: Duration = .seconds(10)) throws {
        guard process == nil else { return }
        guard FileManager.default.isExecutableFile(atPath: Self.sshdPath) else {
            throw HarnessError("\(Self.sshdPath) not found: install openssh-server (make deps does)")
        }
        if geteuid() == 0 {
            // Privilege separation needs this directory; Debian creates it only at boot.
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            chmod("/run/sshd", 0o755)
        }
        try writeAuthorizedKeys()
        let config = directory + "/sshd_config"
        try configText().write(toFile: config, atomically: true, encoding: .utf8)
        let log = directory + "/sshd.log"
        process = try ChildProcess(executable: Self.sshdPath, arguments: ["-D", "-e", "-f", config], logPath: log)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if process?.hasExited == true {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                process = nil
                throw HarnessError("sshd exited at start: \(text.suffix(800))")
            }
            if Self.answersBanner(port: port) { return }
            usleep(20_000)
        }
        stop()
        throw HarnessError("sshd did not answer on 127.0.0.1:\(port) within \(timeout)")
    }

    /// Stops sshd and every connection it serves (SIGKILL stops them mid-transfer).
    public func stop(signal: Int32 = SIGTERM) {
        process?.stop(signal: signal)
        process = nil
    }

    /// Leaves sshd running after this object is gone (and after this process exits), as
    /// `udtraek demo --keep-running` promises; returns its pid. It is then stopped with
    /// `kill $(cat DIRECTORY/sshd.pid)`.
    @discardableResult
    public func detach() -> pid_t? {
        let pid = process?.pid
        process?.detach()
        process = nil
        return pid
    }

    /// Kills the per-connection processes only: transfers in flight die, sshd keeps listening.
    public func killConnections() {
        process?.killDescendants()
    }

    /// Sends `signal` to the per-connection processes (SIGSTOP stalls a transfer,
    /// SIGCONT resumes it).
    public func signalConnections(_ signal: Int32) {
        process?.killDescendants(signal: signal)
    }

    public var isRunning: Bool { process.map { !$0.hasExited } ?? false }

    /// The sshd log, for test failure messages.
    public var log: String { (try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "" }

    /// `extraConfig` lines are appended (tests use them to restrict ciphers).
    public var extraConfig: [String] = []

    private func configText() -> String {
        var lines = [
            "# Private sshd for udtraek tests and the demo. Not the system's sshd.",
            "ListenAddress 127.0.0.1:\(port)",
            "HostKey \(hostKeyPath)",
            "PidFile \(directory)/sshd.pid",
            "AuthorizedKeysFile \(directory)/authorized_keys",
            "AllowUsers \(Self.loginUser)",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            // libssh2 1.10 signs with RSA/SHA-1 only; OpenSSH 8.8+ refuses that by default.
            "PubkeyAcceptedAlgorithms +ssh-rsa",
            "Subsystem sftp internal-sftp",
            "MaxStartups 400:30:800",
            "MaxSessions 100",
            "LogLevel VERBOSE",
        ]
        lines += extraConfig
        return lines.joined(separator: "\n") + "\n"
    }

    /// A free TCP port on 127.0.0.1 for a server a test starts (sshd, `serve`'s listeners).
    ///
    /// Not a port the kernel picks (bind to port 0): the kernel hands the same ephemeral
    /// range to every outgoing connection and every other bind(0) of the suite, so on a busy
    /// run another test took such a port between our release and the server's bind (a real
    /// failure: "Address already in use" in a serve test). Ports come from below the
    /// ephemeral range instead, each handed out once per process, from a start that depends
    /// on the pid so that concurrent test processes keep apart, and each checked bindable.
    public static func freePort() throws -> Int {
        let (low, span) = portBlock
        for _ in 0..<span {
            let port = low + (portStart + handedOut.add(1, ordering: .relaxed).oldValue) % span
            if port != 22022, bindProblem(port: port) == nil { return port }  // 22022: the demo's port
        }
        throw HarnessError("no free port in 127.0.0.1:\(low)-\(low + span - 1)")
    }

    /// The block below the kernel's ephemeral ports (`ip_local_port_range`, 32768 by default).
    static let portBlock: (low: Int, span: Int) = {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let ephemeralLow = range.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        let low = max(10_000, ephemeralLow - 12_000)
        return (low, max(1_000, ephemeralLow - low))
    }()
    static let portStart = Int(getpid()) % 1009 * 11
    static let handedOut = Atomic<Int>(0)

    /// Why a server could not bind `port` on 127.0.0.1 now (the system's words), or nil when
    /// it could. The probe binds with SO_REUSEADDR, as sshd and NIO do, so a closed
    /// connection's TIME_WAIT does not count: only a socket that listens there is in the way.
    public static func bindProblem(port: Int) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(clamping: port).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        return bound ? nil : String(cString: strerror(errno))
    }

    static func answersBanner(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { return false }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4)
        return recv(fd, &buffer, 4, 0) == 4 && buffer == Array("SSH-".utf8)
    }
}

/// `path` made absolute against the current directory, with `.` and `..` resolved.
func absolutePath(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (full as NSString).standardizingPath
}
