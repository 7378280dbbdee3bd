import Foundation
import GRDB

/// Where a file waiting in Spool/ is on its way to a receiver.
///
/// ready -> delivering -> delivered, or back to ready with a later `nextAttemptAt` after a
/// transient failure, or to `error` after a permanent one (bad key, host key mismatch,
/// target exists, no agreement), which waits for an operator. `delivering` rows found at
/// start-up belong to a process that died and are made ready again.
public enum OutboxState: String, Codable, Sendable, CaseIterable {
    case ready, delivering, delivered, error
}

/// Routing information for the metadata document (SFTPDynamicRoutingInfo).
public struct RoutingInfo: Codable, Sendable, Equatable {
    public var infRef: String?
    public var senderAuthority: String?
    public var recipientAuthority: String?
    public var transactionId: String?

    public init(infRef: String? = nil, senderAuthority: String? = nil, recipientAuthority: String? = nil, transactionId: String? = nil) {
        self.infRef = infRef
        self.senderAuthority = senderAuthority
        self.recipientAuthority = recipientAuthority
        self.transactionId = transactionId
    }
}

/// A file in Spool/ waiting for (or done with) delivery.
public struct OutboxEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "outbox"
    public var id: Int64?
    public var system: String
    /// The name the file gets in the receiver's inbox.
    public var fileName: String
    /// Absolute path of the file in Spool/ (or where `udtraek deliver` was pointed).
    public var localPath: String
    public var bytes: Int64
    /// Lowercase hex SHA-256 of the file, when known before delivery.
    public var sha256: String?
    public var state: OutboxState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Whether the file belongs to Spool/ and is removed after delivery.
    public var ownedBySpool: Bool
    public var routing: RoutingInfo
    /// The service agreement the file was produced under; delivery re-checks that it is
    /// still approved, so personal data never leaves under a terminated agreement.
    public var agreementUUID: String?
    /// SendersFileId of the metadata: fixed when the file enters the outbox, so every
    /// attempt names the same file.
    public var sendersFileId: String
    /// The process delivering the entry while it is `delivering` ("host:pid:start", see
    /// `ProcessOwner`); nil otherwise. A `delivering` entry whose owner is gone was
    /// interrupted and is settled back to ready by whoever looks next.
    public var owner: String?
    /// The transfer between systems this entry delivers to one of its recipients (nil for
    /// extracts and `udtraek deliver`): its metadata carries the sender's fields and the
    /// transfer's FileTransferUUID instead of the platform's.
    public var transferId: Int64?

    public init(id: Int64? = nil, system: String, fileName: String, localPath: String, bytes: Int64, sha256: String?,
                state: OutboxState = .ready, attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil,
                createdAt: Date, updatedAt: Date, ownedBySpool: Bool, routing: RoutingInfo = RoutingInfo(),
                agreementUUID: String? = nil, sendersFileId: String = UUID().uuidString.lowercased(), transferId: Int64? = nil) {
        self.transferId = transferId
        self.agreementUUID = agreementUUID
        self.sendersFileId = sendersFileId
        self.id = id
        self.system = system
        self.fileName = fileName
        self.localPath = localPath
        self.bytes = bytes
        self.sha256 = sha256
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.ownedBySpool = ownedBySpool
        self.routing = routing
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    /// Column names spelt out: GRDB's snake-case strategies do not round-trip names with
    /// acronyms (agreementUUID -> agreement_uuid -> agreementUuid) and would lose them.
    enum CodingKeys: String, CodingKey {
        case id
        case system
        case fileName = "file_name"
        case localPath = "local_path"
        case bytes
        case sha256
        case state
        case attempts
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case ownedBySpool = "owned_by_spool"
        case routing
        case agreementUUID = "agreement_uuid"
        case sendersFileId = "senders_file_id"
        case owner
        case transferId = "transfer_id"
    }
}

public enum DeliveryOutcome: String, Codable, Sendable {
    case running, delivered, failed
}

/// One attempt to deliver one file: what, where, how fast, and how it ended.
public struct DeliveryRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "delivery"
    public var id: Int64?
    public var outboxId: Int64?
    public var system: String
    public var fileName: String
    /// The path in the receiver's inbox, e.g. `IN/D261123.L000001`.
    public var remotePath: String
    public var bytes: Int64
    public var sha256: String?
    /// FileTransferUUID of the metadata document.
    public var transferUUID: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int64?
    /// Bytes per second over the whole transfer.
    public var throughput: Double?
    public var outcome: DeliveryOutcome
    public var errorCode: String?
    public var error: String?

    public init(id: Int64? = nil, outboxId: Int64?, system: String, fileName: String, remotePath: String, bytes: Int64,
                sha256: String?, transferUUID: String, startedAt: Date, finishedAt: Date? = nil, durationMs: Int64? = nil,
                throughput: Double? = nil, outcome: DeliveryOutcome = .running, errorCode: String? = nil, error: String? = nil) {
        self.id = id
        self.outboxId = outboxId
        self.system = system
        self.fileName = fileName
        self.remotePath = remotePath
        self.bytes = bytes
        self.sha256 = sha256
        self.transferUUID = transferUUID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.throughput = throughput
        self.outcome = outcome
        self.errorCode = errorCode
        self.error = error
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    /// Column names spelt out: GRDB's snake-case strategies do not round-trip names with
    /// acronyms (agreementUUID -> agreement_uuid -> agreementUuid) and would lose them.
    enum CodingKeys: String, CodingKey {
        case id
        case outboxId = "outbox_id"
        case system
        case fileName = "file_name"
        case remotePath = "remote_path"
        case bytes
        case sha256
        case transferUUID = "transfer_uuid"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
        case throughput
        case outcome
        case errorCode = "error_code"
        case error
    }
}
