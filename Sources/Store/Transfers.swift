import Foundation
import GRDB

/// What the router does with a sender's `OUT/NAME` and its trigger once every recipient's
/// delivery is durable in the outbox.
public enum ProcessedAction: String, Codable, Sendable, CaseIterable {
    /// Remove both (the default): the receipt is what the sender keeps.
    case delete
    /// Move both into `moveTo`, below the sender's login root.
    case moveTo = "move-to"
}

/// A system that sends files to other systems through the platform (afsendersystem): where
/// it drops them (`OUT/` below its SFTP login, the same login as its inbox), how often the
/// router looks, and what happens to a file once it is routed.
public struct SenderSettings: Codable, Sendable, Equatable {
    /// The folder, relative to the login root, holding `NAME` and `NAME.trigger`.
    public var path: String
    public var pollIntervalSeconds: Int
    public var processed: ProcessedAction
    /// With `processed: move-to`, the folder (relative to the login root) routed files go to.
    public var moveTo: String?
    /// An `OUT/NAME` without its trigger older than this raises an alarm and gets a receipt.
    public var untriggeredAfterSeconds: Int

    public init(path: String = "OUT", pollIntervalSeconds: Int = 60, processed: ProcessedAction = .delete,
                moveTo: String? = nil, untriggeredAfterSeconds: Int = 3600) {
        self.path = path
        self.pollIntervalSeconds = pollIntervalSeconds
        self.processed = processed
        self.moveTo = moveTo
        self.untriggeredAfterSeconds = untriggeredAfterSeconds
    }
}

/// Where a file a sender dropped is on its way.
///
/// accepted (copied into Spool/, checked, an outbox entry per recipient committed) ->
/// delivered (every recipient has it); or rejected (a check failed: the file stays in the
/// sender's folder, which got a receipt saying why).
public enum TransferState: String, Codable, Sendable, CaseIterable {
    case accepted, delivered, rejected
}

/// One file routed (or refused) from a sender system to its recipients.
public struct TransferRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "transfer"
    public var id: Int64?
    /// The sending system (whose folder the file came from).
    public var sender: String
    /// `NAME` in the sender's folder, and in every recipient's inbox.
    public var fileName: String
    /// The trigger's SendersFileId; nil when the trigger was missing or unreadable.
    public var sendersFileId: String?
    /// FileTransferUUID of every recipient's metadata; set on acceptance.
    public var fileTransferUUID: String?
    public var state: TransferState
    public var bytes: Int64?
    /// Lowercase hex SHA-256 of the copy in Spool/.
    public var sha256: String?
    /// The copy in Spool/ the recipients' deliveries read; removed once all are delivered.
    public var localPath: String?
    /// The recipient systems, resolved from the trigger's Recipients.
    public var recipients: [String]
    public var routing: RoutingInfo
    public var senderItSystem: String?
    public var senderTimestamp: Date?
    /// Why it was refused, one reason per failed check.
    public var reasons: [String]
    /// For a refusal: the trigger's and the file's size and time, so the same refused pair is
    /// not judged (and alarmed) again every pass, while a corrected one is.
    public var fingerprint: String?
    public var receivedAt: Date
    public var updatedAt: Date
    /// When `NAME` and its trigger left the sender's folder (removed or moved).
    public var sourceRemovedAt: Date?
    /// When the last recipient's delivery was recorded.
    public var finishedAt: Date?
    /// What the last receipt written said, so it is rewritten only when that changes.
    public var receiptStatus: String?

    public init(id: Int64? = nil, sender: String, fileName: String, sendersFileId: String?, fileTransferUUID: String? = nil,
                state: TransferState, bytes: Int64? = nil, sha256: String? = nil, localPath: String? = nil,
                recipients: [String] = [], routing: RoutingInfo = RoutingInfo(), senderItSystem: String? = nil,
                senderTimestamp: Date? = nil, reasons: [String] = [], fingerprint: String? = nil, receivedAt: Date,
                updatedAt: Date) {
        self.id = id
        self.sender = sender
        self.fileName = fileName
        self.sendersFileId = sendersFileId
        self.fileTransferUUID = fileTransferUUID
        self.state = state
        self.bytes = bytes
        self.sha256 = sha256
        self.localPath = localPath
        self.recipients = recipients
        self.routing = routing
        self.senderItSystem = senderItSystem
        self.senderTimestamp = senderTimestamp
        self.reasons = reasons
        self.fingerprint = fingerprint
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, sender, state, bytes, sha256, recipients, routing, reasons, fingerprint
        case fileName = "file_name"
        case sendersFileId = "senders_file_id"
        case fileTransferUUID = "file_transfer_uuid"
        case localPath = "local_path"
        case senderItSystem = "sender_it_system"
        case senderTimestamp = "sender_timestamp"
        case receivedAt = "received_at"
        case updatedAt = "updated_at"
        case sourceRemovedAt = "source_removed_at"
        case finishedAt = "finished_at"
        case receiptStatus = "receipt_status"
    }
}

/// One step of a transfer the router took (received, checked, accepted, receipt written,
/// source removed, ...). Deliveries and pickups are their own tables and are joined in.
public struct TransferEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "transfer_event"
    public var id: Int64?
    public var transferId: Int64
    public var at: Date
    public var event: String
    public var detail: String

    public init(id: Int64? = nil, transferId: Int64, at: Date, event: String, detail: String) {
        self.id = id
        self.transferId = transferId
        self.at = at
        self.event = event
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, at, event, detail
        case transferId = "transfer_id"
    }
}

/// One recipient's part of a transfer, end to end: its outbox entry, its last delivery
/// attempt, and whether it collected the file.
public struct TransferRecipient: Codable, Sendable, Equatable {
    public var system: String
    public var outboxId: Int64?
    /// ready, delivering, delivered or error.
    public var outboxState: String
    public var attempts: Int
    public var deliveredAt: Date?
    public var lastError: String?
    /// The pickup's state once the monitor tracks the delivered file.
    public var pickupState: String?
    public var collectedAt: Date?
    public var collectionDetail: String?

    enum CodingKeys: String, CodingKey {
        case system, attempts
        case outboxId = "outbox_id"
        case outboxState = "outbox_state"
        case deliveredAt = "delivered_at"
        case lastError = "last_error"
        case pickupState = "pickup_state"
        case collectedAt = "collected_at"
        case collectionDetail = "collection_detail"
    }
}

/// A transfer with its recipients, for `udtraek transfers` and the admin API.
public struct TransferSummary: Codable, Sendable, Equatable {
    public var transfer: TransferRecord
    public var recipients: [TransferRecipient]

    public init(transfer: TransferRecord, recipients: [TransferRecipient]) {
        self.transfer = transfer
        self.recipients = recipients
    }

    /// received / rejected / queued / delivered n of m / collected n of m: one word an
    /// operator reads first.
    public var progress: String {
        switch transfer.state {
        case .rejected: return "rejected"
        case .accepted, .delivered:
            let total = recipients.count
            let collected = recipients.filter { $0.collectedAt != nil }.count
            let delivered = recipients.filter { $0.outboxState == OutboxState.delivered.rawValue }.count
            let failing = recipients.filter { $0.outboxState == OutboxState.error.rawValue }.count
            if total > 0 && collected == total { return "collected" }
            if collected > 0 { return "collected \(collected)/\(total)" }
            if failing > 0 { return "failing \(failing)/\(total)" }
            if total > 0 && delivered == total { return "delivered" }
            return delivered > 0 ? "delivered \(delivered)/\(total)" : "queued"
        }
    }
}

/// One line of a transfer's history.
public struct TransferHistoryLine: Codable, Sendable, Equatable {
    public var at: Date
    public var event: String
    public var detail: String
}
