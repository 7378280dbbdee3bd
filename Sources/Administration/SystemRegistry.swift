import Foundation
import SFTPClient
import Store

/// A system as the administration module shows it: where files go, how it calls the
/// gateway, who owns it.
public struct SystemView: Encodable, Sendable, Equatable {
    public var name: String
    public var uuid: String?
    public var description: String
    public var origin: RecordOrigin
    public var supplier: String?
    public var sftp: SFTPInbox
    public var certificate: Certificate?
    public var publicKey: String?
    public var noticeAddress: String?
    public var trial: Bool
    public var registeredBy: String?
    public var registeredAt: Date?

    public struct SFTPInbox: Codable, Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var inbox: String
        public var hostKeyFingerprints: [String]
        public init(host: String, port: Int = 22, user: String, inbox: String = "IN", hostKeyFingerprints: [String]) {
            self.host = host
            self.port = port
            self.user = user
            self.inbox = inbox
            self.hostKeyFingerprints = hostKeyFingerprints
        }
        enum CodingKeys: String, CodingKey {
            case host, port, user, inbox
            case hostKeyFingerprints = "host_key_fingerprints"
        }
    }

    public struct Certificate: Codable, Sendable, Equatable {
        public var subject: String?
        public var fingerprint: String?
        public var serial: String?
        public init(subject: String? = nil, fingerprint: String? = nil, serial: String? = nil) {
            self.subject = subject
            self.fingerprint = fingerprint
            self.serial = serial
        }
    }

    /// `certificate` is the one the gateway accepts now (a change order may have replaced
    /// the one given at registration).
    init(_ s: ReceiverSystem, _ r: SystemRegistration?, certificate current: SystemCertificate? = nil) {
        name = s.name
        uuid = s.uuid
        description = s.description
        origin = s.origin
        supplier = s.supplier ?? r?.supplier
        sftp = SFTPInbox(host: s.sftpHost, port: s.sftpPort, user: s.sftpUser, inbox: s.inboxPath, hostKeyFingerprints: s.hostKeyFingerprints)
        certificate = current.map { Certificate(subject: $0.subject, fingerprint: $0.fingerprint, serial: $0.serial) }
            ?? r.map { Certificate(subject: $0.certificateSubject, fingerprint: $0.certificateFingerprint, serial: $0.certificateSerial) }
        publicKey = r?.publicKey
        noticeAddress = r?.noticeAddress
        trial = r?.trial ?? false
        registeredBy = r?.registeredBy
        registeredAt = r?.registeredAt
    }

    enum CodingKeys: String, CodingKey {
        case name, uuid, description, origin, supplier, sftp, certificate, trial
        case publicKey = "public_key"
        case noticeAddress = "notice_address"
        case registeredBy = "registered_by"
        case registeredAt = "registered_at"
    }
}

extension AdministrationDesk {
    /// What a supplier gives to register a system.
    public struct NewSystem: Codable, Sendable {
        public var name: String
        public var uuid: String?
        public var description: String?
        public var certificate: SystemView.Certificate?
        public var sftp: SystemView.SFTPInbox
        public var noticeAddress: String?
        /// A trial connection (prøvetilslutning).
        public var trial: Bool?

        public init(name: String, uuid: String? = nil, description: String? = nil, certificate: SystemView.Certificate? = nil,
                    sftp: SystemView.SFTPInbox, noticeAddress: String? = nil, trial: Bool? = nil) {
            self.name = name
            self.uuid = uuid
            self.description = description
            self.certificate = certificate
            self.sftp = sftp
            self.noticeAddress = noticeAddress
            self.trial = trial
        }

        enum CodingKeys: String, CodingKey {
            case name, uuid, description, certificate, sftp, trial
            case noticeAddress = "notice_address"
        }
    }

    public func systems(_ p: Principal) throws -> [SystemView] {
        let owners = try Ownership(store)
        let (systems, registrations, certificates) = try store.systemsWithRegistrations()
        return systems.filter { Access.decide(p, .readSystem, on: owners.scope(ofSystem: $0.name)) == .allowed }
            .map { s in SystemView(s, registrations[s.name], certificate: certificates[s.name]) }
    }

    public func system(_ p: Principal, name: String) throws -> SystemView {
        let snapshot = try store.configuration()
        guard let s = snapshot.systems.first(where: { $0.name == name }),
              Access.decide(p, .readSystem, on: Ownership(snapshot).scope(ofSystem: name)) == .allowed else {
            throw AdministrationError.notFound("system", name)
        }
        return SystemView(s, snapshot.registrations.first { $0.system == name },
                          certificate: snapshot.gateway.certificates.first { $0.system == name })
    }

    /// Throws unless the principal may make self-service changes to the system (its
    /// supplier's users, operators); not found when it does not see it.
    public func authorizeSystemChange(_ p: Principal, name: String) throws {
        let snapshot = try store.configuration()
        guard snapshot.systems.contains(where: { $0.name == name }) else { throw AdministrationError.notFound("system", name) }
        try require(p, .changeSystem, on: Ownership(snapshot).scope(ofSystem: name), code: "not-supplier", what: "system", id: name)
    }

    /// Registers a system for the principal's supplier. The platform makes the key pair it
    /// logs in to the system's inbox with (the private half stays in the state directory,
    /// mode 0600) and answers with the public half for the inbox's `authorized_keys`.
    public func registerSystem(_ p: Principal, _ request: NewSystem) throws -> SystemView {
        try require(p, .registerSystem, on: Scope(supplier: p.organisation.id), code: "not-supplier")
        var check = FieldCheck()
        let name = check.line(request.name, "name", limit: 64)
        if let name, name.range(of: "^[a-z0-9][a-z0-9._-]*$", options: .regularExpression) == nil {
            check.fail("name '\(name.displaySafe(limit: 40))' may hold only lowercase letters, digits, '.', '_' and '-'")
        }
        let uuid = request.uuid ?? UUID().uuidString.lowercased()
        if !isLowercaseUUID(uuid) { check.fail("uuid '\(uuid.displaySafe(limit: 40))' is not a lowercase UUID") }
        let description = check.line(request.description, "description", limit: 500, required: false) ?? ""
        let host = check.line(request.sftp.host, "sftp.host", limit: 253)
        if let host, host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" }) {
            check.fail("sftp.host '\(host.displaySafe(limit: 60))' is not a host name or address")
        }
        if !(1...65535).contains(request.sftp.port) { check.fail("sftp.port must be 1...65535") }
        let user = check.line(request.sftp.user, "sftp.user", limit: 64)
        if let problem = InboxFolder.problem(request.sftp.inbox, relative: false) {
            check.fail("sftp.inbox '\(request.sftp.inbox.displaySafe(limit: 60))' cannot be used as the folder: \(problem)")
        }
        var fingerprints: [String] = []
        if request.sftp.hostKeyFingerprints.isEmpty {
            check.fail("sftp.host_key_fingerprints is empty; pin the inbox server's key (`ssh-keygen -lf` on its host key, or `udtraek keys fingerprint`)")
        }
        for f in request.sftp.hostKeyFingerprints {
            if let normal = HostKeyFingerprint.normalise(f) { fingerprints.append(normal) } else {
                check.fail("'\(f.displaySafe(limit: 60))' is not a SHA-256 host-key fingerprint like SHA256:<43 base64 characters>")
            }
        }
        let certificate = request.certificate
        let subject = check.line(certificate?.subject, "certificate.subject", limit: 500, required: false)
        var fingerprint: String?
        if let f = certificate?.fingerprint {
            fingerprint = SystemCertificate.normaliseFingerprint(f)
            if fingerprint == nil { check.fail("certificate.fingerprint must be a SHA-256 fingerprint (64 hexadecimal digits)") }
        }
        if subject == nil && fingerprint == nil {
            check.fail("certificate needs a subject or a fingerprint: the gateway knows the system by its client certificate")
        }
        let serial = check.line(certificate?.serial, "certificate.serial", limit: 100, required: false)
        let address = check.email(request.noticeAddress, "notice_address")
        try check.finish()
        let systemName = name ?? ""
        let keyPath = (keyDirectory as NSString).appendingPathComponent("\(systemName)_ed25519")
        let taken = try store.system(named: systemName) != nil
        if taken || FileManager.default.fileExists(atPath: keyPath) {
            throw AdministrationError(.conflict, "system-exists", "a system named \(systemName) exists already; choose another name")
        }
        let publicKey: String
        do {
            try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try SSHKeys.generate(.ed25519, at: keyPath, comment: "udtraek:\(systemName)")
            publicKey = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            try? FileManager.default.removeItem(atPath: keyPath)
            try? FileManager.default.removeItem(atPath: keyPath + ".pub")
            throw AdministrationError(.conflict, "key-failed", "making the system's key pair in \(keyDirectory) failed: \(error)")
        }
        let system = ReceiverSystem(name: systemName, uuid: uuid, description: description, sftpHost: host ?? "",
                                    sftpPort: request.sftp.port, sftpUser: user ?? "", inboxPath: request.sftp.inbox,
                                    privateKeyPath: keyPath, hostKeyFingerprints: fingerprints, origin: .admin)
        let registration = SystemRegistration(system: systemName, supplier: p.organisation.id, certificateSubject: subject,
                                              certificateFingerprint: fingerprint, certificateSerial: serial, noticeAddress: address,
                                              trial: request.trial ?? false, publicKey: publicKey, registeredBy: p.actor,
                                              registeredAt: clock.date)
        do {
            try storing {
                try store.registerSystem(system, registration: registration, record: AdministrativeRecord(audit: [
                    audit(p, "system.registered", systemName,
                          "by \(p.organisation.id), uuid \(uuid), inbox \(system.sftpUser)@\(system.sftpHost):\(system.sftpPort)/\(system.inboxPath), \(registration.trial ? "trial connection" : "connection")"),
                ]))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: keyPath)
            try? FileManager.default.removeItem(atPath: keyPath + ".pub")
            throw error
        }
        return SystemView(system, registration)
    }
}
