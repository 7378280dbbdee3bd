import Foundation
import GRDB

/// How a receiver shows that it has collected a file.
public enum PickupSignal: String, Codable, Sendable, CaseIterable {
    /// The file is gone from the inbox (the platform's default).
    case deleted
    /// The file is gone from the inbox and found in a named folder (`movedTo`).
    case moved
    /// The file's access time passes its delivery time; for servers that record access
    /// times and receivers that leave files in place.
    case read
    /// A receipt file `NAME<receiptSuffix>` appears next to the file.
    case receipt
}

/// "By HH:MM on the Nth business day after delivery" (Danish business days,
/// Europe/Copenhagen wall-clock time).
public struct WallClockDeadline: Codable, Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    /// 0: the first business day at or after the delivery on which HH:MM is still ahead;
    /// 1: the next business day after the delivery's day (the usual "08:00 next business day").
    public var businessDaysAfter: Int

    public init(hour: Int, minute: Int, businessDaysAfter: Int) {
        self.hour = hour
        self.minute = minute
        self.businessDaysAfter = businessDaysAfter
    }

    enum CodingKeys: String, CodingKey {
        case hour, minute
        case businessDaysAfter = "business_days_after"
    }
}

/// One monitoring rule of a receiver: which files (a glob on the file name), by when
/// they must be collected, and how loudly to say so when they are not.
public struct PickupRule: Codable, Sendable, Equatable {
    /// Shell-style glob (`*`, `?`) on the file name; `*` matches every file.
    public var pattern: String
    /// Collect within this many seconds after delivery (exclusive with `deadline`).
    public var collectWithinSeconds: Int?
    public var deadline: WallClockDeadline?
    /// A warning is raised this many seconds before the deadline (nil: no warning).
    public var warningBeforeSeconds: Int?
    /// Reminders while the breach lasts, this many seconds apart (nil: no reminders).
    public var repeatEverySeconds: Int?

    public init(pattern: String = "*", collectWithinSeconds: Int? = nil, deadline: WallClockDeadline? = nil,
                warningBeforeSeconds: Int? = nil, repeatEverySeconds: Int? = nil) {
        self.pattern = pattern
        self.collectWithinSeconds = collectWithinSeconds
        self.deadline = deadline
        self.warningBeforeSeconds = warningBeforeSeconds
        self.repeatEverySeconds = repeatEverySeconds
    }

    enum CodingKeys: String, CodingKey {
        case pattern
        case collectWithinSeconds = "collect_within_seconds"
        case deadline
        case warningBeforeSeconds = "warning_before_seconds"
        case repeatEverySeconds = "repeat_every_seconds"
    }
}

/// Pickup monitoring of one receiver system (the ordered standard service).
public struct ReceiverMonitoring: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "monitoring_receiver"
    public var system: String
    public var signal: PickupSignal
    /// For `moved`: the folder the receiver moves collected files to, relative to the
    /// inbox root (e.g. `IN/processed`).
    public var movedTo: String?
    /// For `receipt`: the suffix of the receipt file (`.receipt` gives `NAME.receipt`).
    public var receiptSuffix: String?
    /// Uncollected files older than this are removed from the inbox (nil: the platform default).
    public var retentionSeconds: Int?
    /// First match wins; a file no rule matches is only subject to retention.
    public var rules: [PickupRule]

    public init(system: String, signal: PickupSignal = .deleted, movedTo: String? = nil, receiptSuffix: String? = nil,
                retentionSeconds: Int? = nil, rules: [PickupRule] = []) {
        self.system = system
        self.signal = signal
        self.movedTo = movedTo
        self.receiptSuffix = receiptSuffix
        self.retentionSeconds = retentionSeconds
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey {
        case system, signal
        case movedTo = "moved_to"
        case receiptSuffix = "receipt_suffix"
        case retentionSeconds = "retention_seconds"
        case rules
    }
}

/// One login that watches every inbox on a host (the platform's own monitoring key),
/// so a pass needs one SSH session per host instead of one per receiver.
public struct MonitorLogin: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var privateKeyPath: String
    public var passphraseEnv: String?
    public var passphraseFile: String?
    public var hostKeyFingerprints: [String]
    /// Where a system's inbox root is, seen from this login's start directory;
    /// `{system}` and `{user}` are replaced (default `{system}`).
    public var inboxRoot: String

    public init(host: String, port: Int = 22, user: String, privateKeyPath: String, passphraseEnv: String? = nil,
                passphraseFile: String? = nil, hostKeyFingerprints: [String], inboxRoot: String = "{system}") {
        self.host = host
        self.port = port
        self.user = user
        self.privateKeyPath = privateKeyPath
        self.passphraseEnv = passphraseEnv
        self.passphraseFile = passphraseFile
        self.hostKeyFingerprints = hostKeyFingerprints
        self.inboxRoot = inboxRoot
    }

    /// Where the monitoring key's passphrase is read from.
    public var passphraseSource: SecretSource { SecretSource(env: passphraseEnv, file: passphraseFile) }

    enum CodingKeys: String, CodingKey {
        case host, port, user
        case privateKeyPath = "private_key_path"
        case passphraseEnv = "passphrase_env"
        case passphraseFile = "passphrase_file"
        case hostKeyFingerprints = "host_key_fingerprints"
        case inboxRoot = "inbox_root"
    }
}

/// A webhook that receives alarm notifications. The signing secret is never stored:
/// only where to read it (an environment variable or a file).
public struct WebhookTarget: Codable, Sendable, Equatable {
    public var name: String
    public var url: String
    public var secretEnv: String?
    public var secretFile: String?

    public init(name: String, url: String, secretEnv: String? = nil, secretFile: String? = nil) {
        self.name = name
        self.url = url
        self.secretEnv = secretEnv
        self.secretFile = secretFile
    }

    /// Where the signing secret is read from.
    public var secretSource: SecretSource { SecretSource(env: secretEnv, file: secretFile) }

    enum CodingKeys: String, CodingKey {
        case name, url
        case secretEnv = "secret_env"
        case secretFile = "secret_file"
    }
}

/// Platform-wide monitoring settings (`monitoring:` at the top of the configuration).
public struct MonitoringSettings: Codable, Sendable, Equatable {
    public var pollIntervalSeconds: Int
    /// An inbox that cannot be reached for this long raises an alarm.
    public var unreachableAfterSeconds: Int
    /// This many failed delivery attempts in a row for a system raise an alarm.
    public var deliveryFailureThreshold: Int
    /// Reminder interval for alarms that have no rule of their own (inbox, delivery, extract).
    public var repeatEverySeconds: Int
    /// Retention of uncollected files for receivers that set none.
    public var defaultRetentionSeconds: Int
    public var logins: [MonitorLogin]
    public var webhooks: [WebhookTarget]

    public static let fourteenDays = 14 * 86_400

    public init(pollIntervalSeconds: Int = 60, unreachableAfterSeconds: Int = 900, deliveryFailureThreshold: Int = 3,
                repeatEverySeconds: Int = 3600, defaultRetentionSeconds: Int = MonitoringSettings.fourteenDays,
                logins: [MonitorLogin] = [], webhooks: [WebhookTarget] = []) {
        self.pollIntervalSeconds = pollIntervalSeconds
        self.unreachableAfterSeconds = unreachableAfterSeconds
        self.deliveryFailureThreshold = deliveryFailureThreshold
        self.repeatEverySeconds = repeatEverySeconds
        self.defaultRetentionSeconds = defaultRetentionSeconds
        self.logins = logins
        self.webhooks = webhooks
    }

    enum CodingKeys: String, CodingKey {
        case pollIntervalSeconds = "poll_interval_seconds"
        case unreachableAfterSeconds = "unreachable_after_seconds"
        case deliveryFailureThreshold = "delivery_failure_threshold"
        case repeatEverySeconds = "repeat_every_seconds"
        case defaultRetentionSeconds = "default_retention_seconds"
        case logins, webhooks
    }
}

/// The configuration-owned part of monitoring, carried in `ConfigurationSnapshot`.
public struct MonitoringConfiguration: Sendable, Equatable {
    public var settings: MonitoringSettings
    /// One entry per monitored receiver, sorted by system name.
    public var receivers: [ReceiverMonitoring]

    public init(settings: MonitoringSettings = MonitoringSettings(), receivers: [ReceiverMonitoring] = []) {
        self.settings = settings
        self.receivers = receivers
    }

    public func receiver(_ system: String) -> ReceiverMonitoring? { receivers.first { $0.system == system } }

    static func fetch(_ db: Database) throws -> MonitoringConfiguration {
        var settings = MonitoringSettings()
        if let text = try String.fetchOne(db, sql: "SELECT value FROM platform_setting WHERE key = 'monitoring'") {
            settings = try JSONDecoder().decode(MonitoringSettings.self, from: Data(text.utf8))
        }
        return MonitoringConfiguration(settings: settings,
                                       receivers: try ReceiverMonitoring.order(Column("system")).fetchAll(db))
    }

    /// Replaces the stored monitoring configuration (inside `replaceConfiguration`'s transaction).
    func replace(in db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(settings), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO platform_setting (key, value) VALUES ('monitoring', ?)", arguments: [text])
        try ReceiverMonitoring.filter(!receivers.map(\.system).contains(Column("system"))).deleteAll(db)
        for r in receivers { try r.save(db) }
    }
}
