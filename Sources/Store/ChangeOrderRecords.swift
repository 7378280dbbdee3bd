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

    /// Only SSH key changes are self-service; the others are ordered with a BestillingsID.
    public var needsOrderId: Bool { self != .sshKey }
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

    public init(pattern: String? = nil, collectWithin: String? = nil, deadline: String? = nil, warningBefore: String? = nil,
                repeatEvery: String? = nil, signal: String? = nil, movedTo: String? = nil, retention: String? = nil,
                removeMonitoring: Bool? = nil, privateKey: String? = nil, passphraseEnv: String? = nil,
                passphraseFile: String? = nil, overlap: String? = nil, host: String? = nil, port: Int? = nil,
                user: String? = nil, path: String? = nil, fingerprints: [String]? = nil) {
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
        case overlap, host, port, user, path, fingerprints
    }
}

/// A system's settings as they were before an order was carried out: what a rollback
/// puts back.
public struct ChangeSnapshot: Codable, Sendable, Equatable {
    public var system: ReceiverSystem
    public var monitoring: ReceiverMonitoring?
    public var overlap: KeyOverlap?

    public init(system: ReceiverSystem, monitoring: ReceiverMonitoring?, overlap: KeyOverlap?) {
        self.system = system
        self.monitoring = monitoring
        self.overlap = overlap
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
