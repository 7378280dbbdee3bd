import Foundation
import GRDB

/// What a technical change order changes on a receiver system.
public enum ChangeKind: String, Codable, Sendable, CaseIterable {
    /// Pickup monitoring: set or remove the rule(s), change thresholds (an ordered service).
    case monitoring
    /// The system's SSH key, with an overlap (self-service: no BestillingsID).
    case sshKey = "ssh-key"
    /// The inbox URL: host, port, user, path.
    case inbox
    /// The pinned host-key fingerprints.
    case hostKey = "host-key"
    /// The system's gateway client certificate, with an overlap in which the old one is
    /// still accepted (self-service, done by the supplier: no BestillingsID).
    case sslCertificate = "ssl-certificate"
    /// The data type (InfRef) in the metadata of extract files delivered to the system.
    case infRef = "infref"

    /// The platform's self-service changes (SSH key, SSL certificate) need no BestillingsID;
    /// the others are ordered with one.
    public var needsOrderId: Bool { self != .sshKey && self != .sslCertificate }

    /// The kinds with an overlap: the old key or certificate keeps working for a while.
    public var hasOverlap: Bool { self == .sshKey || self == .sslCertificate }
}

/// Where an order is: received -> accepted | rejected -> carried-out -> completed | failed.
public enum ChangeOrderState: String, Codable, Sendable, CaseIterable {
    case received, accepted, rejected
    case carriedOut = "carried-out"
    case completed, failed

    public var isFinal: Bool { [.rejected, .completed, .failed].contains(self) }
}

/// The receipts the platform sends for an order, each stored with its time.
public enum ChangeReceiptKind: String, Codable, Sendable, CaseIterable {
    case received
    /// Validated: accepted.
    case accepted
    /// Validated: rejected, with every reason.
    case rejected
    case carriedOut = "carried-out"
    case verified
    case completed
    /// Verification (or carrying out) failed; the incident alarm is raised.
    case failed
    /// The previous settings are back after a failure.
    case rolledBack = "rolled-back"
    /// An SSH key overlap ended: the old key is no longer used.
    case keyRetired = "key-retired"
    /// An SSL certificate overlap ended: the gateway no longer accepts the old certificate.
    case certificateRetired = "certificate-retired"
}

/// The order form as submitted, kept exactly as given (orders are immutable; a rejected
/// order is corrected by submitting a new one). Durations and deadlines are kept in the
/// configuration's spelling (`4h`, `08:00 next business day`).
public struct ChangeRequest: Codable, Sendable, Equatable {
    // monitoring
    public var pattern: String?
    public var collectWithin: String?
    public var deadline: String?
    public var warningBefore: String?
    public var repeatEvery: String?
    public var signal: String?
    public var movedTo: String?
    public var retention: String?
    public var removeMonitoring: Bool?
    // ssh-key
    public var privateKey: String?
    public var passphraseEnv: String?
    public var passphraseFile: String?
    public var overlap: String?
    // inbox
    public var host: String?
    public var port: Int?
    public var user: String?
    public var path: String?
    // host-key
    public var fingerprints: [String]?
    // ssl-certificate (with `overlap`): the new client certificate, PEM text, public only.
    public var certificate: String?
    // infref
    public var infRef: String?

    public init(pattern: String? = nil, collectWithin: String? = nil, deadline: String? = nil, warningBefore: String? = nil,
                repeatEvery: String? = nil, signal: String? = nil, movedTo: String? = nil, retention: String? = nil,
                removeMonitoring: Bool? = nil, privateKey: String? = nil, passphraseEnv: String? = nil,
                passphraseFile: String? = nil, overlap: String? = nil, host: String? = nil, port: Int? = nil,
                user: String? = nil, path: String? = nil, fingerprints: [String]? = nil, certificate: String? = nil,
                infRef: String? = nil) {
        self.pattern = pattern
        self.collectWithin = collectWithin
        self.deadline = deadline
        self.warningBefore = warningBefore
        self.repeatEvery = repeatEvery
        self.signal = signal
        self.movedTo = movedTo
        self.retention = retention
        self.removeMonitoring = removeMonitoring
        self.privateKey = privateKey
        self.passphraseEnv = passphraseEnv
        self.passphraseFile = passphraseFile
        self.overlap = overlap
        self.host = host
        self.port = port
        self.user = user
        self.path = path
        self.fingerprints = fingerprints
        self.certificate = certificate
        self.infRef = infRef
    }

    enum CodingKeys: String, CodingKey {
        case pattern
        case collectWithin = "collect_within"
        case deadline
        case warningBefore = "warning_before"
        case repeatEvery = "repeat_every"
        case signal
        case movedTo = "moved_to"
        case retention
        case removeMonitoring = "remove_monitoring"
        case privateKey = "private_key"
        case passphraseEnv = "passphrase_env"
        case passphraseFile = "passphrase_file"
        case overlap, host, port, user, path, fingerprints, certificate
        case infRef = "infref"
    }
}

/// A system's settings as they were before an order was carried out: what a rollback
/// puts back.
public struct ChangeSnapshot: Codable, Sendable, Equatable {
    public var system: ReceiverSystem
    public var monitoring: ReceiverMonitoring?
    public var overlap: KeyOverlap?
    /// The gateway client certificate registered for the system.
    public var certificate: SystemCertificate?
    /// The running SSL certificate overlap.
    public var certificateOverlap: CertificateOverlap?

    public init(system: ReceiverSystem, monitoring: ReceiverMonitoring?, overlap: KeyOverlap?,
                certificate: SystemCertificate? = nil, certificateOverlap: CertificateOverlap? = nil) {
        self.system = system
        self.monitoring = monitoring
        self.overlap = overlap
        self.certificate = certificate
        self.certificateOverlap = certificateOverlap
    }

    enum CodingKeys: String, CodingKey {
        case system, monitoring, overlap, certificate
        case certificateOverlap = "certificate_overlap"
    }
}

/// One technical change order (a row of `change_order`).
public struct ChangeOrder: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "change_order"
    public var id: Int64?
    public var system: String
    public var kind: ChangeKind
    /// The BestillingsID; nil for self-service (SSH key) orders.
    public var orderRef: String?
    public var state: ChangeOrderState
    /// The time the operator asked for (nil: as soon as accepted).
    public var requestedTime: Date?
    public var executeAt: Date
    /// Who submitted it: an operator name (CLI) or `api:TOKEN-NAME`.
    public var submittedBy: String
    /// Why, as the operator wrote it; carried into the audit log.
    public var reason: String
    public var request: ChangeRequest
    /// Set when carried out: the settings a rollback restores.
    public var previous: ChangeSnapshot?
    public var receivedAt: Date
    public var updatedAt: Date

    public init(id: Int64? = nil, system: String, kind: ChangeKind, orderRef: String?, state: ChangeOrderState = .received,
                requestedTime: Date?, executeAt: Date, submittedBy: String, reason: String, request: ChangeRequest,
                previous: ChangeSnapshot? = nil, receivedAt: Date, updatedAt: Date) {
        self.id = id
        self.system = system
        self.kind = kind
        self.orderRef = orderRef
        self.state = state
        self.requestedTime = requestedTime
        self.executeAt = executeAt
        self.submittedBy = submittedBy
        self.reason = reason
        self.request = request
        self.previous = previous
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, system, kind
        case orderRef = "order_ref"
        case state
        case requestedTime = "requested_time"
        case executeAt = "execute_at"
        case submittedBy = "submitted_by"
        case reason, request, previous
        case receivedAt = "received_at"
        case updatedAt = "updated_at"
    }
}

/// One receipt of an order, with its time; `reasons` holds every reason of a rejection.
public struct ChangeReceipt: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "change_receipt"
    public var id: Int64?
    public var orderId: Int64
    public var at: Date
    public var kind: ChangeReceiptKind
    public var detail: String
    public var reasons: [String]

    public init(id: Int64? = nil, orderId: Int64 = 0, at: Date, kind: ChangeReceiptKind, detail: String, reasons: [String] = []) {
        self.id = id
        self.orderId = orderId
        self.at = at
        self.kind = kind
        self.detail = detail
        self.reasons = reasons
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id
        case orderId = "order_id"
        case at, kind, detail, reasons
    }
}

/// A system's previous SSH key, still used as a fallback until `retireAt` after a
/// rotation (new key first; when the server refuses it, the old one).
public struct KeyOverlap: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ssh_key_overlap"
    public var system: String
    public var orderId: Int64
    public var oldPrivateKeyPath: String
    public var oldPassphraseEnv: String?
    public var oldPassphraseFile: String?
    public var newPrivateKeyPath: String
    public var startedAt: Date
    public var retireAt: Date

    public init(system: String, orderId: Int64, oldPrivateKeyPath: String, oldPassphraseEnv: String?, oldPassphraseFile: String?,
                newPrivateKeyPath: String, startedAt: Date, retireAt: Date) {
        self.system = system
        self.orderId = orderId
        self.oldPrivateKeyPath = oldPrivateKeyPath
        self.oldPassphraseEnv = oldPassphraseEnv
        self.oldPassphraseFile = oldPassphraseFile
        self.newPrivateKeyPath = newPrivateKeyPath
        self.startedAt = startedAt
        self.retireAt = retireAt
    }

    /// Where the old key's passphrase is read from.
    public var oldPassphraseSource: SecretSource { SecretSource(env: oldPassphraseEnv, file: oldPassphraseFile) }

    enum CodingKeys: String, CodingKey {
        case system
        case orderId = "order_id"
        case oldPrivateKeyPath = "old_private_key_path"
        case oldPassphraseEnv = "old_passphrase_env"
        case oldPassphraseFile = "old_passphrase_file"
        case newPrivateKeyPath = "new_private_key_path"
        case startedAt = "started_at"
        case retireAt = "retire_at"
    }
}

/// A system's previous gateway client certificate, still accepted until `retireAt` after an
/// `ssl-certificate` change order registered a new one: callers switch over at their own
/// pace within the overlap, as with SSH keys.
public struct CertificateOverlap: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "gateway_certificate_overlap"
    public var system: String
    public var orderId: Int64
    public var oldSubject: String?
    public var oldFingerprint: String?
    public var oldSerial: String?
    /// The fingerprint of the certificate that replaced it.
    public var newFingerprint: String
    public var startedAt: Date
    public var retireAt: Date

    public init(system: String, orderId: Int64, old: SystemCertificate, newFingerprint: String, startedAt: Date, retireAt: Date) {
        self.system = system
        self.orderId = orderId
        oldSubject = old.subject
        oldFingerprint = old.fingerprint
        oldSerial = old.serial
        self.newFingerprint = newFingerprint
        self.startedAt = startedAt
        self.retireAt = retireAt
    }

    /// The previous certificate as the gateway matches it.
    public var oldCertificate: SystemCertificate {
        SystemCertificate(system: system, subject: oldSubject, fingerprint: oldFingerprint, serial: oldSerial)
    }

    enum CodingKeys: String, CodingKey {
        case system
        case orderId = "order_id"
        case oldSubject = "old_subject"
        case oldFingerprint = "old_fingerprint"
        case oldSerial = "old_serial"
        case newFingerprint = "new_fingerprint"
        case startedAt = "started_at"
        case retireAt = "retire_at"
    }
}
