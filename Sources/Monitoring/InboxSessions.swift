import Foundation
import Logging
import SFTPClient
import Store

/// Why an inbox could not be read, and whether the whole host is affected.
public struct InboxError: Error, Sendable {
    public var error: SFTPError
    /// Connection-level (connect, handshake, host key, timeout, lost connection, or the
    /// shared login): every inbox on the host is affected, so the pass stops trying it.
    public var hostWide: Bool
}

/// Open SFTP sessions kept from pass to pass, grouped by inbox host. A host's sessions
/// are used by one thread at a time (the pass gives each host to one worker), so the
/// host is never hit by parallel logins from the monitor.
final class InboxSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var hosts: [String: HostSessions] = [:]
    private var opened = 0
    let environment: [String: String]
    let connectTimeout: Duration
    let operationTimeout: Duration
    /// Idle sessions kept per host for receivers without a shared login.
    let maxPerHost: Int
    let logger: Logger
    /// The system's SSH key overlap, if one is running (its old key is the fallback).
    let keyOverlap: @Sendable (String) -> KeyOverlap?

    init(environment: [String: String], connectTimeout: Duration, operationTimeout: Duration, maxPerHost: Int, logger: Logger,
         keyOverlap: @escaping @Sendable (String) -> KeyOverlap? = { _ in nil }) {
        self.keyOverlap = keyOverlap
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.maxPerHost = maxPerHost
        self.logger = logger
    }

    /// SSH sessions opened since start (a benchmark figure and a metric).
    var sessionsOpened: Int { lock.withLock { opened } }

    func host(_ key: String) -> HostSessions {
        lock.withLock {
            if let h = hosts[key] { return h }
            let h = HostSessions(owner: self)
            hosts[key] = h
            return h
        }
    }

    func countOpened() { lock.withLock { opened += 1 } }

    func closeAll() {
        let all = lock.withLock { () -> [HostSessions] in
            defer { hosts = [:] }
            return Array(hosts.values)
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

/// The sessions of one host; used by one thread at a time.
final class HostSessions: @unchecked Sendable {
    unowned let owner: InboxSessions
    private var sessions: [String: (session: SFTPSession, used: UInt64)] = [:]
    private var tick: UInt64 = 0

    init(owner: InboxSessions) { self.owner = owner }

    /// Runs `body` with the login's session, opening one if needed. A pooled session the
    /// server closed since the last pass fails at its first call; it is replaced once.
    func with<T>(_ login: InboxLogin, _ body: (SFTPSession) throws -> T) throws -> T {
        let key = login.sessionKey
        tick += 1
        if let pooled = sessions[key] {
            sessions[key] = (pooled.session, tick)
            do { return try body(pooled.session) } catch let e as SFTPError where [.disconnected, .timeout].contains(e.code) {
                drop(key)
            }
        }
        let session = try owner.open(login)
        sessions[key] = (session, tick)
        trim()
        do { return try body(session) } catch let e as SFTPError where [.disconnected, .timeout].contains(e.code) {
            drop(key)
            throw e
        }
    }

    func drop(_ key: String) {
        if let s = sessions.removeValue(forKey: key) { s.session.close() }
    }

    func closeAll() {
        for key in Array(sessions.keys) { drop(key) }
    }

    /// Keeps at most `maxPerHost` sessions: the least recently used are closed.
    private func trim() {
        guard sessions.count > owner.maxPerHost else { return }
        let victims = sessions.sorted { $0.value.used < $1.value.used }.prefix(sessions.count - owner.maxPerHost)
        for (key, _) in victims { drop(key) }
    }
}
