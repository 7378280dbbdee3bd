import Foundation
import Logging
import SFTPClient
import Store
import Synchronization

/// Why an inbox could not be read, and whether the whole host is affected.
public struct InboxError: Error, Sendable {
    public var error: SFTPError
    /// Connection-level (connect, handshake, host key, timeout, lost connection, or the
    /// shared login): every inbox on the host is affected, so the pass stops trying it.
    public var hostWide: Bool
}

/// Open SFTP sessions kept from pass to pass, grouped by inbox host. A host's sessions
/// are used by one thread at a time (the pass gives each host to one worker, and the
/// host's lock is held while a session is in use), so the host is never hit by parallel
/// logins from the monitor. The file router reads senders' folders through its own pool of
/// the same kind, with the same logins.
public final class InboxSessions: Sendable {
    private struct State {
        var hosts: [String: HostSessions] = [:]
        var opened = 0
    }

    private let state = Mutex(State())
    let environment: [String: String]
    let connectTimeout: Duration
    let operationTimeout: Duration
    /// Idle sessions kept per host for receivers without a shared login.
    let maxPerHost: Int
    let logger: Logger
    /// The system's SSH key overlap, if one is running (its old key is the fallback).
    let keyOverlap: @Sendable (String) -> KeyOverlap?

    public init(environment: [String: String], connectTimeout: Duration, operationTimeout: Duration, maxPerHost: Int, logger: Logger,
                keyOverlap: @escaping @Sendable (String) -> KeyOverlap? = { _ in nil }) {
        self.keyOverlap = keyOverlap
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.maxPerHost = maxPerHost
        self.logger = logger
    }

    /// SSH sessions opened since start (a benchmark figure and a metric).
    public var sessionsOpened: Int { state.withLock { $0.opened } }

    /// Sessions open now, over every host (tests check that a stop closes them).
    var pooledSessions: Int {
        state.withLock { Array($0.hosts.values) }.reduce(0) { $0 + $1.count }
    }

    public func host(_ key: String) -> HostSessions {
        state.withLock { s in
            if let h = s.hosts[key] { return h }
            let h = HostSessions(owner: self)
            s.hosts[key] = h
            return h
        }
    }

    func countOpened() { state.withLock { $0.opened += 1 } }

    public func closeAll() {
        let all = state.withLock { s -> [HostSessions] in
            defer { s.hosts = [:] }
            return Array(s.hosts.values)
        }
        all.forEach { $0.closeAll() }
    }

    func open(_ login: InboxLogin) throws -> SFTPSession {
        let options: SSHConnectionOptions
        switch login {
        case .shared(let l):
            let passphrase = try keyPassphrase(l.passphraseSource, of: "the monitoring key passphrase for \(l.host)")
            options = SSHConnectionOptions(host: l.host, port: l.port, user: l.user, hostKeyFingerprints: l.hostKeyFingerprints,
                                           privateKeyPath: l.privateKeyPath, passphrase: passphrase,
                                           connectTimeout: connectTimeout, operationTimeout: operationTimeout)
        case .own(let s):
            let passphrase = try keyPassphrase(s.passphraseSource, of: "the key passphrase of \(s.name)")
            var own = SSHConnectionOptions(host: s.sftpHost, port: s.sftpPort, user: s.sftpUser, hostKeyFingerprints: s.hostKeyFingerprints,
                                           privateKeyPath: s.privateKeyPath, passphrase: passphrase,
                                           connectTimeout: connectTimeout, operationTimeout: operationTimeout)
            // During an SSH key overlap (a key change order) the previous key is the fallback.
            if let overlap = keyOverlap(s.name), overlap.newPrivateKeyPath == s.privateKeyPath {
                own.fallbackPrivateKeyPath = overlap.oldPrivateKeyPath
                own.fallbackPassphrase = try? keyPassphrase(overlap.oldPassphraseSource, of: "the previous key passphrase of \(s.name)")
            }
            options = own
        }
        let session = try SSHSession(options: options, logger: logger).sftp()
        countOpened()
        return session
    }

    /// A key passphrase, failing as the login would (an `SFTPError`), so the pass treats it
    /// like any other login failure of the inbox.
    private func keyPassphrase(_ source: SecretSource, of what: String) throws(SFTPError) -> String? {
        do { return try source.read(environment: environment) } catch {
            throw SFTPError(.passphrase, operation: "reading \(what)", reason: error.reason, hint: error.hint)
        }
    }
}

/// The sessions of one host. Its lock is held while a session is in use: one libssh2
/// session is never used by two threads, and closing waits for the call in flight.
public final class HostSessions: Sendable {
    private struct Pool {
        var sessions: [String: (session: SFTPSession, used: UInt64)] = [:]
        var tick: UInt64 = 0

        mutating func drop(_ key: String) {
            if let s = sessions.removeValue(forKey: key) { s.session.close() }
        }

        /// Keeps at most `limit` sessions: the least recently used are closed.
        mutating func trim(to limit: Int) {
            guard sessions.count > limit else { return }
            let victims = sessions.sorted { $0.value.used < $1.value.used }.prefix(sessions.count - limit)
            for (key, _) in victims { drop(key) }
        }
    }

    unowned let owner: InboxSessions
    private let pool = Mutex(Pool())

    init(owner: InboxSessions) { self.owner = owner }

    var count: Int { pool.withLock { $0.sessions.count } }

    /// Runs `body` with the login's session, opening one if needed. A pooled session the
    /// server closed since the last pass fails at its first call; it is replaced once.
    public func with<T: Sendable>(_ login: InboxLogin, _ body: (SFTPSession) throws -> T) throws -> T {
        try pool.withLock { p throws -> T in
            let key = login.sessionKey
            p.tick += 1
            if let pooled = p.sessions[key] {
                p.sessions[key] = (pooled.session, p.tick)
                do { return try body(pooled.session) } catch let e as SFTPError where [.disconnected, .timeout].contains(e.code) {
                    p.drop(key)
                }
            }
            let session = try owner.open(login)
            p.sessions[key] = (session, p.tick)
            p.trim(to: owner.maxPerHost)
            do { return try body(session) } catch let e as SFTPError where [.disconnected, .timeout].contains(e.code) {
                p.drop(key)
                throw e
            }
        }
    }

    func closeAll() {
        pool.withLock { p in
            for key in Array(p.sessions.keys) { p.drop(key) }
        }
    }
}
