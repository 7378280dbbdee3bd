import GRDB

extension Migrations {
    /// Pickup monitoring: per-receiver rules, tracked files, alarms with their history,
    /// the webhook queue and inbox reachability (issue 5).
    static func registerMonitoring(_ m: inout DatabaseMigrator) {
        m.registerMigration("v5 monitoring") { db in
            try db.create(table: "monitoring_receiver") { t in
                t.primaryKey("system", .text).references("receiver_system", column: "name", onDelete: .cascade)
                t.column("signal", .text).notNull().check(sql: "signal IN ('deleted','moved','read','receipt')")
                t.column("moved_to", .text)
                t.column("receipt_suffix", .text)
                t.column("retention_seconds", .integer)
                t.column("rules", .text).notNull()
            }
            try db.create(table: "pickup") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("delivery_id", .integer).notNull().unique()
                t.column("system", .text).notNull()
                t.column("file_name", .text).notNull()
                t.column("remote_path", .text).notNull()
                t.column("rule_pattern", .text)
                t.column("signal", .text).notNull()
                t.column("delivered_at", .datetime).notNull()
                t.column("warn_at", .datetime)
                t.column("deadline", .datetime)
                t.column("expires_at", .datetime).notNull()
                t.column("repeat_every_seconds", .integer)
                t.column("state", .text).notNull()
                t.column("collected_at", .datetime)
                t.column("collection_detail", .text)
                t.column("last_seen_at", .datetime)
                t.column("removed_at", .datetime)
                t.column("updated_at", .datetime).notNull()
            }
            try db.create(index: "pickup_state", on: "pickup", columns: ["state", "system"])
            try db.create(table: "alarm") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dedup_key", .text).notNull().unique()
                t.column("kind", .text).notNull()
                t.column("severity", .text).notNull()
                t.column("system", .text)
                t.column("file_name", .text)
                t.column("pickup_id", .integer)
                t.column("rule", .text)
                t.column("summary", .text).notNull()
                t.column("delivered_at", .datetime)
                t.column("deadline", .datetime)
                t.column("raised_at", .datetime).notNull()
                t.column("repeat_every_seconds", .integer)
                t.column("last_notified_at", .datetime).notNull()
                t.column("notifications", .integer).notNull()
                t.column("acknowledged_at", .datetime)
                t.column("acknowledged_by", .text)
                t.column("resolved_at", .datetime)
                t.column("resolution", .text)
            }
            try db.create(index: "alarm_open", on: "alarm", columns: ["resolved_at"])
            try db.create(table: "alarm_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("alarm_id", .integer).notNull().references("alarm", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("event", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(index: "alarm_event_alarm", on: "alarm_event", columns: ["alarm_id"])
            try db.create(table: "webhook_delivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("webhook", .text).notNull()
                t.column("alarm_id", .integer).notNull().references("alarm", onDelete: .cascade)
                t.column("event", .text).notNull()
                t.column("body", .text).notNull()
                t.column("state", .text).notNull().check(sql: "state IN ('pending','sent','failed')")
                t.column("attempts", .integer).notNull()
                t.column("next_attempt_at", .datetime).notNull()
                t.column("last_error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("sent_at", .datetime)
            }
            try db.create(index: "webhook_delivery_due", on: "webhook_delivery", columns: ["state", "next_attempt_at"])
            try db.create(table: "inbox_status") { t in
                t.primaryKey("subject", .text)
                t.column("reachable", .boolean).notNull()
                t.column("since", .datetime).notNull()
                t.column("last_error", .text)
                t.column("error_code", .text)
                t.column("checked_at", .datetime).notNull()
            }
        }
    }
}
