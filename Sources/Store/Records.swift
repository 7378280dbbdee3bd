import Foundation
import GRDB

/// A municipality (kommune) data may be handed out on behalf of.
public struct Municipality: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "municipality"
    /// Four digits, zero-padded ("0101").
    public var code: String
    public var name: String
    /// The municipality's UUID: callers of the gateway name it as `UserUUID`.
    public var uuid: String?

    public init(code: String, name: String, uuid: String? = nil) {
        self.code = code
        self.name = name
        self.uuid = uuid
    }
}

/// What to do when the final name already exists in the receiver's inbox.
public enum ExistingTargetPolicy: String, Codable, Sendable, CaseIterable {
    /// Refuse the delivery; the operator decides. The default: a receiver may still be
    /// reading the old file.
    case refuse
    /// Replace it, but only once the new file is complete under its temporary name.
    case replace
}

/// A receiver system (modtagersystem) and its SFTP inbox.
public struct ReceiverSystem: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "receiver_system"
    public var name: String
    /// The IT system's UUID on the platform (RecipientItSystem in metadata).
    public var uuid: String?
    public var description: String
    public var sftpHost: String
    public var sftpPort: Int
    public var sftpUser: String
    /// The inbox folder relative to the SFTP user's home (usually `IN`).
    public var inboxPath: String
    public var privateKeyPath: String
    /// The name of an environment variable holding the key's passphrase.
    public var passphraseEnv: String?
    /// A file (mode 0600) holding the key's passphrase.
    public var passphraseFile: String?
    /// Pinned SHA-256 host-key fingerprints, JSON array text in the database.
    public var hostKeyFingerprints: [String]
    public var existingTarget: ExistingTargetPolicy
    /// Set for a system that sends files to other systems (`sender:` in the configuration).
    public var sender: SenderSettings?
    /// Whether the configuration file or the administration module (registration by the
    /// supplier) owns the row.
    public var origin: RecordOrigin
    /// The supplier organisation (`cvr:NNNNNNNN`) whose users act for the system in the
    /// administration module: request its agreements, see its usage. A system registered
    /// through the module has its supplier in its registration; the configuration file
    /// names it here.
    public var supplier: String?
    /// The data type (InfRef) the metadata of extract files delivered to the system carries;
    /// set by the configuration or an `infref` change order.
    public var infRef: String?

    public init(name: String, uuid: String? = nil, description: String = "", sftpHost: String, sftpPort: Int = 22,
                sftpUser: String, inboxPath: String = "IN", privateKeyPath: String, passphraseEnv: String? = nil,
                passphraseFile: String? = nil, hostKeyFingerprints: [String], existingTarget: ExistingTargetPolicy = .refuse,
                sender: SenderSettings? = nil, origin: RecordOrigin = .config, supplier: String? = nil, infRef: String? = nil) {
        self.origin = origin
        self.supplier = supplier
        self.sender = sender
        self.infRef = infRef
        self.name = name
        self.uuid = uuid
        self.description = description
        self.sftpHost = sftpHost
        self.sftpPort = sftpPort
        self.sftpUser = sftpUser
        self.inboxPath = inboxPath
        self.privateKeyPath = privateKeyPath
        self.passphraseEnv = passphraseEnv
        self.passphraseFile = passphraseFile
        self.hostKeyFingerprints = hostKeyFingerprints
        self.existingTarget = existingTarget
    }

    /// Where the key's passphrase is read from.
    public var passphraseSource: SecretSource { SecretSource(env: passphraseEnv, file: passphraseFile) }

    /// Column names spelt out: GRDB's snake-case strategies do not round-trip names with
    /// acronyms (agreementUUID -> agreement_uuid -> agreementUuid) and would lose them.
    enum CodingKeys: String, CodingKey {
        case name
        case uuid
        case description
        case sftpHost = "sftp_host"
        case sftpPort = "sftp_port"
        case sftpUser = "sftp_user"
        case inboxPath = "inbox_path"
        case privateKeyPath = "private_key_path"
        case passphraseEnv = "passphrase_env"
        case passphraseFile = "passphrase_file"
        case hostKeyFingerprints = "host_key_fingerprints"
        case existingTarget = "existing_target"
        case sender, origin, supplier
        case infRef = "inf_ref"
    }
}

/// The life of a service agreement: requested by the supplier, approved or rejected by the
/// municipality's signatory, in force from its approval, ended by either side
/// (`requested -> approved | rejected`, `approved -> terminated`). Data flows only while
/// it is approved.
public enum AgreementState: String, Codable, Sendable, CaseIterable {
    case requested, approved, rejected, terminated

    /// Reads the states of files and databases written before `requested` had its name:
    /// `pending` meant the same.
    public init?(rawValue: String) {
        switch rawValue {
        case "requested", "pending": self = .requested
        case "approved": self = .approved
        case "rejected": self = .rejected
        case "terminated": self = .terminated
        default: return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .requested: "requested"
        case .approved: "approved"
        case .rejected: "rejected"
        case .terminated: "terminated"
        }
    }

    /// Whether the state can still change.
    public var isFinal: Bool { self == .rejected || self == .terminated }
}

/// A service agreement (serviceaftale): system X may receive service S on behalf of
/// municipality M. Data flows only while one is approved.
public struct ServiceAgreement: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "service_agreement"
    /// Lowercase UUID; receivers match it in file names.
    public var uuid: String
    public var system: String
    public var municipality: String
    public var service: String
    public var state: AgreementState
    /// For `file-transfer`: the system that may send to `system`.
    public var sender: String?
    /// For `file-transfer`: the data type (InfRef) the sender may send under it.
    public var infRef: String?
    /// Whether the configuration file or the administration module owns the row.
    public var origin: RecordOrigin

    public init(uuid: String, system: String, municipality: String, service: String, state: AgreementState,
                sender: String? = nil, infRef: String? = nil, origin: RecordOrigin = .config) {
        self.origin = origin
        self.sender = sender
        self.infRef = infRef
        self.uuid = uuid
        self.system = system
        self.municipality = municipality
        self.service = service
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case uuid, system, municipality, service, state, sender, origin
        case infRef = "inf_ref"
    }
}

/// One row of the audit log: who did what to which subject, and the details.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit_log"
    public var id: Int64?
    public var at: Date
    public var actor: String
    public var action: String
    public var subject: String
    public var detail: String

    public init(id: Int64? = nil, at: Date, actor: String, action: String, subject: String, detail: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
