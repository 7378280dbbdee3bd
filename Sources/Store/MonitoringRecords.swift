import Foundation
import GRDB

/// Where a delivered file is on its way to being collected.
///
/// awaiting -> collected_on_time | warning -> overdue -> collected_late | expired.
/// `replaced` ends a file that a newer delivery under the same name overwrote.
public enum PickupState: String, Codable, Sendable, CaseIterable {
    case awaiting
    case warning
    case overdue
    case collectedOnTime = "collected_on_time"
    case collectedLate = "collected_late"
    case expired
    case replaced

    /// States that need no more polling.
    public var isFinal: Bool { [.collectedOnTime, .collectedLate, .expired, .replaced].contains(self) }
}

/// One delivered file the monitor watches, with the times its rule gives it.
public struct PickupRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "pickup"
    public var id: Int64?
    public var deliveryId: Int64
    public var system: String
    public var fileName: String
    /// The path in the receiver's inbox relative to its root, e.g. `IN/D261123.L000001`.
    public var remotePath: String
    /// The pattern of the rule that matched; nil when only retention applies.
    public var rulePattern: String?
    public var signal: PickupSignal
    public var deliveredAt: Date
    public var warnAt: Date?
    public var deadline: Date?
    public var expiresAt: Date
    public var repeatEverySeconds: Int?
    public var state: PickupState
    public var collectedAt: Date?
    /// How the collection was seen (deleted, moved to X, read at T, receipt NAME).
    public var collectionDetail: String?
    public var lastSeenAt: Date?
    /// When retention removed the file from the inbox.
    public var removedAt: Date?
    public var updatedAt: Date

    public init(id: Int64? = nil, deliveryId: Int64, system: String, fileName: String, remotePath: String,
                rulePattern: String?, signal: PickupSignal, deliveredAt: Date, warnAt: Date?, deadline: Date?,
                expiresAt: Date, repeatEverySeconds: Int?, state: PickupState = .awaiting, collectedAt: Date? = nil,
                collectionDetail: String? = nil, lastSeenAt: Date? = nil, removedAt: Date? = nil, updatedAt: Date) {
        self.id = id
        self.deliveryId = deliveryId
        self.system = system
        self.fileName = fileName
        self.remotePath = remotePath
        self.rulePattern = rulePattern
        self.signal = signal
        self.deliveredAt = deliveredAt
        self.warnAt = warnAt
        self.deadline = deadline
        self.expiresAt = expiresAt
        self.repeatEverySeconds = repeatEverySeconds
        self.state = state
        self.collectedAt = collectedAt
        self.collectionDetail = collectionDetail
        self.lastSeenAt = lastSeenAt
        self.removedAt = removedAt
        self.updatedAt = updatedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id
        case deliveryId = "delivery_id"
        case system
        case fileName = "file_name"
        case remotePath = "remote_path"
        case rulePattern = "rule_pattern"
        case signal
        case deliveredAt = "delivered_at"
        case warnAt = "warn_at"
        case deadline
        case expiresAt = "expires_at"
        case repeatEverySeconds = "repeat_every_seconds"
        case state
        case collectedAt = "collected_at"
        case collectionDetail = "collection_detail"
        case lastSeenAt = "last_seen_at"
        case removedAt = "removed_at"
        case updatedAt = "updated_at"
    }
}

public enum AlarmSeverity: String, Codable, Sendable, CaseIterable {
    case warning, critical
}

/// What an alarm is about. The raw value is the `alarm` in webhook bodies and the CLI.
public enum AlarmKind: String, Codable, Sendable, CaseIterable {
    case pickupWarning = "pickup.warning"
    case pickupOverdue = "pickup.overdue"
    case pickupExpired = "pickup.expired"
    case inboxUnreachable = "inbox.unreachable"
    case hostKeyMismatch = "inbox.host_key_mismatch"
    case deliveryFailing = "delivery.failing"
    case extractMissing = "extract.missing"
    case webhookFailing = "webhook.failing"
    /// A lookup service of the gateway missed its service target in more calls than the
    /// configured share.
    case serviceTargetBreaches = "gateway.service_target"
    /// A technical change order failed (the incident); its change was rolled back.
    case changeFailed = "change.failed"
    /// A file a sender system dropped for other systems was refused (the receipt says why).
    case transferRejected = "transfer.rejected"
    /// A sender's file has waited without its trigger longer than `untriggered_after`.
    case transferUntriggered = "transfer.untriggered"

    /// Alarms about something that cannot get better by itself (a removed file, a missed
    /// extract, calls already answered too slowly) end when an operator acknowledges them;
    /// the others when the cause clears.
    public var resolvesOnAcknowledgement: Bool {
        [.pickupExpired, .extractMissing, .serviceTargetBreaches, .changeFailed, .transferRejected].contains(self)
    }
}

/// One alarm: raised once per `dedupKey`, reminded, acknowledged, resolved.
public struct AlarmRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "alarm"
    public var id: Int64?
    /// Unique for ever: (rule, file, state) for pickups, the episode for the others, so a
    /// second raise of the same alarm (after a restart, say) changes nothing.
    public var dedupKey: String
    public var kind: AlarmKind
    public var severity: AlarmSeverity
    public var system: String?
    public var fileName: String?
    public var pickupId: Int64?
    /// The rule's pattern, for pickup alarms.
    public var rule: String?
    public var summary: String
    public var deliveredAt: Date?
    public var deadline: Date?
    public var raisedAt: Date
    /// Reminder interval while unacknowledged and unresolved; nil for none.
    public var repeatEverySeconds: Int?
    public var lastNotifiedAt: Date
    public var notifications: Int
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var resolvedAt: Date?
    /// recovered, escalated, acknowledged, expired, ...
    public var resolution: String?

    public init(id: Int64? = nil, dedupKey: String, kind: AlarmKind, severity: AlarmSeverity, system: String? = nil,
                fileName: String? = nil, pickupId: Int64? = nil, rule: String? = nil, summary: String,
                deliveredAt: Date? = nil, deadline: Date? = nil, raisedAt: Date, repeatEverySeconds: Int? = nil) {
        self.id = id
        self.dedupKey = dedupKey
        self.kind = kind
        self.severity = severity
        self.system = system
        self.fileName = fileName
        self.pickupId = pickupId
        self.rule = rule
        self.summary = summary
        self.deliveredAt = deliveredAt
        self.deadline = deadline
        self.raisedAt = raisedAt
        self.repeatEverySeconds = repeatEverySeconds
        self.lastNotifiedAt = raisedAt
        self.notifications = 1
    }

    public var isOpen: Bool { resolvedAt == nil }

    /// open, acknowledged or resolved: what an operator sees.
    public var status: String { resolvedAt != nil ? "resolved" : acknowledgedAt != nil ? "acknowledged" : "open" }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id
        case dedupKey = "dedup_key"
        case kind, severity, system
        case fileName = "file_name"
        case pickupId = "pickup_id"
        case rule, summary
        case deliveredAt = "delivered_at"
        case deadline
        case raisedAt = "raised_at"
        case repeatEverySeconds = "repeat_every_seconds"
        case lastNotifiedAt = "last_notified_at"
        case notifications
        case acknowledgedAt = "acknowledged_at"
        case acknowledgedBy = "acknowledged_by"
        case resolvedAt = "resolved_at"
        case resolution
    }
}

public enum AlarmEventKind: String, Codable, Sendable, CaseIterable {
    case raised, reminder, acknowledged, resolved
}

/// The history of an alarm, one row per event.
public struct AlarmEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "alarm_event"
    public var id: Int64?
    public var alarmId: Int64
    public var at: Date
    public var event: AlarmEventKind
    public var detail: String

    public init(id: Int64? = nil, alarmId: Int64, at: Date, event: AlarmEventKind, detail: String) {
        self.id = id
        self.alarmId = alarmId
        self.at = at
        self.event = event
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id
        case alarmId = "alarm_id"
        case at, event, detail
    }
}

public enum WebhookDeliveryState: String, Codable, Sendable, CaseIterable {
    case pending, sent, failed
}

/// One notification to one webhook, queued in the same transaction as the alarm event,
/// and sent (with retries) by a sender that never holds up the monitor.
public struct WebhookDelivery: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "webhook_delivery"
    public var id: Int64?
    public var webhook: String
    public var alarmId: Int64
    public var event: AlarmEventKind
    /// The JSON body, fixed when queued so every retry sends the same bytes.
    public var body: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(id: Int64? = nil, webhook: String, alarmId: Int64, event: AlarmEventKind, body: String,
                state: WebhookDeliveryState = .pending, attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil,
                createdAt: Date, sentAt: Date? = nil) {
        self.id = id
        self.webhook = webhook
        self.alarmId = alarmId
        self.event = event
        self.body = body
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, webhook
        case alarmId = "alarm_id"
        case event, body, state, attempts
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case sentAt = "sent_at"
    }
}

/// Whether an inbox (a host, or one system's login) answered at the last pass, and since when.
public struct InboxStatus: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "inbox_status"
    /// `host:port` for connection-level state, `system:NAME` for one receiver's login.
    public var subject: String
    public var reachable: Bool
    /// Start of the current reachable/unreachable streak.
    public var since: Date
    public var lastError: String?
    public var errorCode: String?
    public var checkedAt: Date

    public init(subject: String, reachable: Bool, since: Date, lastError: String? = nil, errorCode: String? = nil, checkedAt: Date) {
        self.subject = subject
        self.reachable = reachable
        self.since = since
        self.lastError = lastError
        self.errorCode = errorCode
        self.checkedAt = checkedAt
    }

    enum CodingKeys: String, CodingKey {
        case subject, reachable, since
        case lastError = "last_error"
        case errorCode = "error_code"
        case checkedAt = "checked_at"
    }
}
