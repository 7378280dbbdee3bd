import Foundation
import Gateway
import Logging
import Monitoring
import SFTPClient
import Store

/// What verification is given: the system's settings after the change.
public struct ProbeInput: Sendable {
    public var kind: ChangeKind
    public var system: ReceiverSystem
    public var monitoring: ReceiverMonitoring?
    public var logins: [MonitorLogin]
    /// The running key overlap: its old key is the fallback for every probe except the
    /// SSH key change's own, which must prove the new key.
    public var overlap: KeyOverlap?
    /// The order's request: what the settings kinds (`ssl-certificate`, `infref`) read back.
    public var request = ChangeRequest()
    /// For `ssl-certificate`: the gateway's directory built from the settings after the change.
    public var directory: GatewayDirectory?

    public init(kind: ChangeKind, system: ReceiverSystem, monitoring: ReceiverMonitoring?, logins: [MonitorLogin], overlap: KeyOverlap?) {
        self.kind = kind
        self.system = system
        self.monitoring = monitoring
        self.logins = logins
        self.overlap = overlap
    }
}

/// Checks that a carried-out change works; throws what does not. Blocking: called inside
/// the executor's pass, which runs as a `BlockingExecutor` job.
public protocol ChangeProbe: Sendable {
    /// Returns what was checked, for the `verified` receipt.
    func verify(_ input: ProbeInput) throws -> String
}

/// Verification over SFTP against the real inbox:
/// - monitoring: the inbox read the way the monitor will read it (the host's monitoring
///   login or the system's key), every folder the new settings need;
/// - ssh-key: a login with the new key alone (no fallback) and a listing of the inbox;
/// - inbox: a login at the new host/port/user and a stat of the new path;
/// - host-key: a connection whose host key must match the new pins (then a login);
/// - ssl-certificate: the gateway's directory, built from the stored settings, resolves the
///   new certificate's identity (subject and fingerprint) to the system;
/// - infref: the system's stored InfRef, read back, is the ordered one.
public struct SFTPChangeProbe: ChangeProbe {
    let environment: [String: String]
    let connectTimeout: Duration
    let operationTimeout: Duration
    let logger: Logger

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, connectTimeout: Duration = .seconds(10),
                operationTimeout: Duration = .seconds(30), logger: Logger = Logger(label: "udtraek.changes")) {
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.logger = logger
    }

    public func verify(_ input: ProbeInput) throws -> String {
        let s = input.system
        switch input.kind {
        case .monitoring:
            var folders = [s.inboxPath]
            if let m = input.monitoring, m.signal == .moved, let moved = m.movedTo { folders.append(moved) }
            let target = InboxTarget.make(system: s, logins: input.logins, directories: folders)
            let sftp = try open(target.login, overlap: input.overlap)
            defer { sftp.close() }
            for folder in folders {
                let path = target.rootPrefix + folder
                guard let attributes = try sftp.stat(path), attributes.isDirectory else {
                    throw SFTPError(.stat, operation: "probing \(s.name)'s inbox on \(sftp.endpoint)",
                                    reason: "the folder \(path) does not exist", hint: "Ask the receiver to create it, or correct the order")
                }
                _ = try sftp.list(path)
            }
            let how = if case .shared = target.login { "the host's monitoring login" } else { "\(s.name)'s own key" }
            return "inbox read with \(how): \(folders.joined(separator: ", ")) on \(target.host)"
                + (input.monitoring == nil ? "; monitoring removed" : "")
        case .sshKey:
            let sftp = try open(.own(s), overlap: nil)
            defer { sftp.close() }
            let entries = try sftp.list(s.inboxPath)
            return "logged in to \(sftp.endpoint) with the new key \(s.privateKeyPath); \(s.inboxPath) lists \(entries.count) entries"
        case .inbox:
            let sftp = try open(.own(s), overlap: input.overlap)
            defer { sftp.close() }
            guard let attributes = try sftp.stat(s.inboxPath), attributes.isDirectory else {
                throw SFTPError(.stat, operation: "probing the new inbox \(sftp.endpoint)",
                                reason: "\(s.inboxPath) does not exist or is not a folder",
                                hint: "Check the path with the receiver's operator and submit a corrected order")
            }
            return "logged in to \(sftp.endpoint); \(s.inboxPath) is a folder"
        case .hostKey:
            let sftp = try open(.own(s), overlap: input.overlap)
            defer { sftp.close() }
            return "connected to \(s.sftpHost):\(s.sftpPort): its host key is among the new pins \(s.hostKeyFingerprints.joined(separator: ", ")); login succeeded"
        case .sslCertificate:
            return try Self.verifyCertificate(input)
        case .infRef:
            guard s.infRef == input.request.infRef else {
                throw ChangeVerificationError("the InfRef of \(s.name) reads back as '\(s.infRef ?? "none")', not the ordered '\(input.request.infRef ?? "none")'")
            }
            return "the InfRef of \(s.name) reads back as '\(s.infRef ?? "")'; extract files delivered from now on carry it in their metadata"
        }
    }

    /// The new certificate's identity, as the gateway will see it in the handshake, must
    /// resolve to the system in the directory built from the stored settings.
    static func verifyCertificate(_ input: ProbeInput) throws -> String {
        let name = input.system.name
        guard let directory = input.directory else {
            throw ChangeVerificationError("no gateway directory was built to verify the certificate of \(name) against")
        }
        let certificate = try ClientCertificate(pem: input.request.certificate ?? "")
        let systems = directory.systemNames(for: certificate.identity)
        guard systems.contains(name) else {
            throw ChangeVerificationError("the gateway's directory does not resolve the new certificate (\(certificate.identity.auditText)) to \(name)"
                                          + (systems.isEmpty ? "" : " but to \(systems.joined(separator: ", "))"))
        }
        return "the gateway's directory resolves the new certificate (\(certificate.identity.auditText), serial \(certificate.serial)) to \(name)"
    }

    func open(_ login: InboxLogin, overlap: KeyOverlap?) throws -> SFTPSession {
        var options: SSHConnectionOptions
        switch login {
        case .shared(let l):
            options = SSHConnectionOptions(host: l.host, port: l.port, user: l.user, hostKeyFingerprints: l.hostKeyFingerprints,
                                           privateKeyPath: l.privateKeyPath,
                                           passphrase: try keyPassphrase(l.passphraseSource, of: "the monitoring key passphrase for \(l.host)"),
                                           connectTimeout: connectTimeout, operationTimeout: operationTimeout)
        case .own(let s):
            options = SSHConnectionOptions(host: s.sftpHost, port: s.sftpPort, user: s.sftpUser, hostKeyFingerprints: s.hostKeyFingerprints,
                                           privateKeyPath: s.privateKeyPath,
                                           passphrase: try keyPassphrase(s.passphraseSource, of: "the key passphrase of \(s.name)"),
                                           connectTimeout: connectTimeout, operationTimeout: operationTimeout)
            if let overlap, overlap.newPrivateKeyPath == s.privateKeyPath {
                options.fallbackPrivateKeyPath = overlap.oldPrivateKeyPath
                options.fallbackPassphrase = try? keyPassphrase(overlap.oldPassphraseSource, of: "the previous key passphrase of \(s.name)")
            }
        }
        return try SSHSession(options: options, logger: logger).sftp()
    }

    /// A key passphrase, failing as the login would, so the probe reports it like the monitor.
    func keyPassphrase(_ source: SecretSource, of what: String) throws(SFTPError) -> String? {
        do { return try source.read(environment: environment) } catch {
            throw SFTPError(.passphrase, operation: "reading \(what)", reason: error.reason, hint: error.hint)
        }
    }
}

/// A verification that found the stored settings not as ordered; says what it found.
public struct ChangeVerificationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
