import Foundation
import GRDB

/// What the monitor wants done to alarms in one pass; applied in one transaction with
/// the pickup changes, so a crash never leaves a state change without its alarm.
public enum AlarmChange: Sendable {
    /// Inserts the alarm unless its dedup key exists already (then nothing happens).
    case raise(AlarmRecord, detail: String)
    /// Resolves the open alarm with this dedup key, if there is one.
    case resolve(dedupKey: String, resolution: String, detail: String)
    /// A reminder for an open, unacknowledged alarm.
    case remind(alarmId: Int64, detail: String)
}

/// An alarm event that happened, handed to the notifiers.
public struct AlarmNotice: Sendable, Equatable {
    public var alarm: AlarmRecord
    public var event: AlarmEventKind
    public var at: Date
    public var detail: String

    public init(alarm: AlarmRecord, event: AlarmEventKind, at: Date, detail: String) {
        self.alarm = alarm
        self.event = event
        self.at = at
        self.detail = detail
    }
}

extension Store {
    // MARK: Pickups

    /// Successful deliveries that have no pickup row yet, oldest first.
    public func untrackedDeliveries(limit: Int = 10_000) throws -> [DeliveryRecord] {
        try read("reading deliveries to track") { db in
            try DeliveryRecord.fetchAll(db, sql: """
                SELECT * FROM delivery d WHERE d.outcome = 'delivered'
                AND NOT EXISTS (SELECT 1 FROM pickup p WHERE p.delivery_id = d.id)
                ORDER BY d.id LIMIT ?
                """, arguments: [limit])
        }
    }

    /// Starts tracking new pickups; an older unfinished pickup of the same file in the same
    /// inbox was overwritten by the new delivery and ends as `replaced`.
    @discardableResult
    public func startTracking(_ pickups: [PickupRecord], now: Date) throws -> [PickupRecord] {
        try write("recording files to watch for pickup") { db in
            var inserted: [PickupRecord] = []
            for var p in pickups {
                try db.execute(sql: """
                    UPDATE pickup SET state = 'replaced', updated_at = ?
                    WHERE system = ? AND remote_path = ? AND state IN ('awaiting','warning','overdue')
                    """, arguments: [now, p.system, p.remotePath])
                try p.insert(db)
                inserted.append(p)
            }
            return inserted
        }
    }

    /// Pickups still being watched (not collected, expired or replaced).
    /// Marks pickups whose files retention is about to remove (`removed_at` set, state
    /// unchanged), before anything is removed: a pass that dies between the removal and
    /// its record finds the mark, and the next pass settles the pickup as expired by
    /// retention (audit row, alarm) instead of taking the missing file for a collection.
    public func markRetentionStarted(_ ids: [Int64], now: Date) throws {
        guard !ids.isEmpty else { return }
        try write("marking files retention removes") { db in
            for id in ids {
                try db.execute(sql: "UPDATE pickup SET removed_at = ? WHERE id = ? AND removed_at IS NULL", arguments: [now, id])
            }
        }
    }

    public func activePickups() throws -> [PickupRecord] {
        try read("reading watched files") { db in
            try PickupRecord.filter(["awaiting", "warning", "overdue"].contains(Column("state")))
                .order(Column("id")).fetchAll(db)
        }
    }

    public func pickups(system: String? = nil, states: [PickupState]? = nil, limit: Int = 200) throws -> [PickupRecord] {
        try read("reading pickups") { db in
            var request = PickupRecord.order(Column("id").desc).limit(limit)
            if let system { request = request.filter(Column("system") == system) }
            if let states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            return try request.fetchAll(db)
        }
    }

    public func pickup(id: Int64) throws -> PickupRecord? {
        try read("reading pickup \(id)") { db in try PickupRecord.fetchOne(db, key: id) }
    }

    /// Whether an upload of `fileName` into `system`'s inbox is under way (an outbox entry
    /// being delivered or a delivery without an outcome): retention leaves such files alone.
    public func uploadInProgress(system: String, fileName: String) throws -> Bool {
        try read("checking uploads in progress") { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM outbox WHERE system = ? AND file_name = ? AND state = 'delivering')
                    OR EXISTS (SELECT 1 FROM delivery WHERE system = ? AND file_name = ? AND outcome = 'running')
                """, arguments: [system, fileName, system, fileName]) ?? false
        }
    }

    /// Per system, the failed delivery attempts since its last successful one (systems
    /// whose latest attempt succeeded are absent), with the outbox entries stuck in `error`.
    public func deliveryFailureStreaks() throws -> [DeliveryFailureStreak] {
        try read("reading delivery failures") { db in
            try Row.fetchAll(db, sql: """
                WITH streak AS (
                    SELECT d.system, COUNT(*) AS failures, MIN(d.id) AS first_id, MAX(d.id) AS last_id
                    FROM delivery d
                    WHERE d.outcome = 'failed'
                      AND d.id > COALESCE((SELECT MAX(x.id) FROM delivery x WHERE x.system = d.system AND x.outcome = 'delivered'), 0)
                    GROUP BY d.system)
                SELECT s.system, s.failures, s.first_id, s.last_id,
                       (SELECT e.error FROM delivery e WHERE e.id = s.last_id) AS last_error,
                       (SELECT COUNT(*) FROM outbox o WHERE o.system = s.system AND o.state = 'error') AS stuck
                FROM streak s ORDER BY s.system
                """).map {
                DeliveryFailureStreak(system: $0["system"], failures: $0["failures"], firstDeliveryId: $0["first_id"], lastDeliveryId: $0["last_id"],
                                      lastError: $0["last_error"] ?? "", stuckInError: $0["stuck"])
            }
        }
    }

    // MARK: One pass, applied together

    /// Saves changed pickups and inbox statuses and applies alarm changes in one
    /// transaction. `notify` runs inside it for every alarm event that really happened and
    /// returns the webhook deliveries to queue, so the queue and the alarms never disagree.
    @discardableResult
    public func applyMonitorPass(pickups: [PickupRecord], statuses: [InboxStatus] = [], alarms: [AlarmChange], audits: [AuditEntry] = [],
                                 now: Date, notify: (AlarmNotice) -> [WebhookDelivery] = { _ in [] }) throws -> [AlarmNotice] {
        try write("recording the monitoring pass") { db in
            for p in pickups { try p.update(db) }
            for s in statuses { try s.save(db) }
            for var a in audits { try a.insert(db) }
            var notices: [AlarmNotice] = []
            for change in alarms {
                if let notice = try Self.apply(change, db: db, now: now) {
                    notices.append(notice)
                    for var w in notify(notice) {
                        w.alarmId = notice.alarm.id ?? 0
                        try w.insert(db)
                    }
                }
            }
            return notices
        }
    }

    private static func apply(_ change: AlarmChange, db: Database, now: Date) throws -> AlarmNotice? {
        switch change {
        case .raise(var alarm, let detail):
            if try AlarmRecord.filter(Column("dedup_key") == alarm.dedupKey).fetchCount(db) > 0 { return nil }
            alarm.lastNotifiedAt = now
            try alarm.insert(db)
            var event = AlarmEvent(alarmId: alarm.id!, at: now, event: .raised, detail: detail)
            try event.insert(db)
            return AlarmNotice(alarm: alarm, event: .raised, at: now, detail: detail)
        case .resolve(let key, let resolution, let detail):
            guard var alarm = try AlarmRecord.filter(Column("dedup_key") == key && Column("resolved_at") == nil).fetchOne(db)
            else { return nil }
            alarm.resolvedAt = now
            alarm.resolution = resolution
            try alarm.update(db)
            var event = AlarmEvent(alarmId: alarm.id!, at: now, event: .resolved, detail: "\(resolution): \(detail)")
            try event.insert(db)
            return AlarmNotice(alarm: alarm, event: .resolved, at: now, detail: detail)
        case .remind(let id, let detail):
            guard var alarm = try AlarmRecord.fetchOne(db, key: id), alarm.isOpen, alarm.acknowledgedAt == nil
            else { return nil }
            alarm.lastNotifiedAt = now
            alarm.notifications += 1
            try alarm.update(db)
            var event = AlarmEvent(alarmId: id, at: now, event: .reminder, detail: detail)
            try event.insert(db)
            return AlarmNotice(alarm: alarm, event: .reminder, at: now, detail: detail)
        }
    }

    public func inboxStatuses() throws -> [InboxStatus] {
        try read("reading inbox statuses") { db in try InboxStatus.order(Column("subject")).fetchAll(db) }
    }

    // MARK: Alarms

    public func alarms(openOnly: Bool = false, system: String? = nil, limit: Int = 200) throws -> [AlarmRecord] {
        try read("reading alarms") { db in
            var request = AlarmRecord.order(Column("id").desc).limit(limit)
            if openOnly { request = request.filter(Column("resolved_at") == nil) }
            if let system { request = request.filter(Column("system") == system) }
            return try request.fetchAll(db)
        }
    }

    public func alarm(id: Int64) throws -> AlarmRecord? {
        try read("reading alarm \(id)") { db in try AlarmRecord.fetchOne(db, key: id) }
    }

    public func alarm(dedupKey: String) throws -> AlarmRecord? {
        try read("reading an alarm") { db in try AlarmRecord.filter(Column("dedup_key") == dedupKey).fetchOne(db) }
    }

    public func alarmEvents(alarmId: Int64) throws -> [AlarmEvent] {
        try read("reading the history of alarm \(alarmId)") { db in
            try AlarmEvent.filter(Column("alarm_id") == alarmId).order(Column("id")).fetchAll(db)
        }
    }

    /// Acknowledges an open alarm: no more reminders. Alarms about something that cannot
    /// recover (see `AlarmKind.resolvesOnAcknowledgement`) are resolved by it as well.
    /// Returns the notices (for the notifiers); throws when the alarm is unknown or resolved.
    public func acknowledgeAlarm(id: Int64, by actor: String, note: String, now: Date,
                                 notify: (AlarmNotice) -> [WebhookDelivery] = { _ in [] }) throws -> [AlarmNotice] {
        try write("acknowledging alarm \(id)") { db in
            guard var alarm = try AlarmRecord.fetchOne(db, key: id) else {
                throw StoreError("acknowledging alarm \(id)", reason: "there is no alarm \(id)", hint: "See `udtraek alarms` for the alarm ids")
            }
            guard alarm.isOpen else {
                throw StoreError("acknowledging alarm \(id)", reason: "it was resolved at \(alarm.resolvedAt!) (\(alarm.resolution ?? ""))")
            }
            guard alarm.acknowledgedAt == nil else {
                throw StoreError("acknowledging alarm \(id)", reason: "\(alarm.acknowledgedBy ?? "someone") acknowledged it at \(alarm.acknowledgedAt!)")
            }
            alarm.acknowledgedAt = now
            alarm.acknowledgedBy = actor
            var notices = [AlarmNotice(alarm: alarm, event: .acknowledged, at: now, detail: note)]
            if alarm.kind.resolvesOnAcknowledgement {
                alarm.resolvedAt = now
                alarm.resolution = "acknowledged"
                notices.append(AlarmNotice(alarm: alarm, event: .resolved, at: now, detail: "acknowledged by \(actor)"))
            }
            try alarm.update(db)
            for notice in notices {
                var event = AlarmEvent(alarmId: id, at: now, event: notice.event, detail: "\(actor): \(note)")
                try event.insert(db)
                for var w in notify(notice) { try w.insert(db) }
            }
            var audit = AuditEntry(at: now, actor: actor, action: "alarm.acknowledge", subject: "alarm \(id)",
                                   detail: "\(alarm.kind.rawValue) \(alarm.summary)" + (note.isEmpty ? "" : "; \(note)"))
            try audit.insert(db)
            return notices
        }
    }

    // MARK: Webhook queue

    /// Up to `limit` pending webhook deliveries whose time has come, oldest first.
    public func dueWebhookDeliveries(now: Date, limit: Int = 50) throws -> [WebhookDelivery] {
        try read("reading the webhook queue") { db in
            try WebhookDelivery.filter(Column("state") == WebhookDeliveryState.pending.rawValue && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"), Column("id")).limit(limit).fetchAll(db)
        }
    }

    public func webhookDeliveries(limit: Int = 200) throws -> [WebhookDelivery] {
        try read("reading the webhook queue") { db in
            try WebhookDelivery.order(Column("id").desc).limit(limit).fetchAll(db)
        }
    }

    public func updateWebhookDelivery(_ delivery: WebhookDelivery) throws {
        try write("recording a webhook attempt") { db in try delivery.update(db) }
    }

    /// Queues webhook deliveries outside an alarm change (the webhook's own failure alarm).
    public func enqueueWebhookDeliveries(_ deliveries: [WebhookDelivery]) throws {
        try write("queueing webhook deliveries") { db in
            for var d in deliveries { try d.insert(db) }
        }
    }
}

/// Failed delivery attempts of one system since its last success.
public struct DeliveryFailureStreak: Sendable, Equatable {
    public var system: String
    public var failures: Int
    /// The first failure of the streak.
    public var firstDeliveryId: Int64
    /// The latest failure of the streak: with the system, it names an alarm episode that
    /// starts now (see `PickupMonitor`), so failing again after a resolution is raised again.
    public var lastDeliveryId: Int64
    public var lastError: String
    /// Outbox entries of the system waiting in `error` for an operator.
    public var stuckInError: Int

    public init(system: String, failures: Int, firstDeliveryId: Int64, lastDeliveryId: Int64? = nil, lastError: String, stuckInError: Int) {
        self.system = system
        self.failures = failures
        self.firstDeliveryId = firstDeliveryId
        self.lastDeliveryId = lastDeliveryId ?? firstDeliveryId
        self.lastError = lastError
        self.stuckInError = stuckInError
    }
}

extension Store {
    /// Inserts finished delivery rows in one transaction: for `udtraek bench monitor`,
    /// which needs thousands of delivered files without uploading them.
    public func recordDeliveriesForBenchmark(_ records: [DeliveryRecord]) throws {
        try write("recording benchmark deliveries") { db in
            for var r in records { try r.insert(db) }
        }
    }
}
