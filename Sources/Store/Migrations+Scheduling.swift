import GRDB

extension Migrations {
    /// "v3 scheduling": schedules, the decision for every slot, and extract runs that can
    /// wait in a queue (requested, then claimed by one process) with who asked and under
    /// which idempotency key.
    static func registerSchedulingMigration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v3 scheduling") { db in
            // extract_run gains queued/skipped states and a nullable started_at; SQLite
            // cannot relax NOT NULL in place, so the table is rebuilt and copied.
            try db.create(table: "extract_run_v3") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("extract", .text).notNull()
                t.column("trigger", .text).notNull()
                t.column("production_date", .text).notNull()
                t.column("requested_at", .datetime).notNull()
                t.column("requested_by", .text).notNull()
                t.column("slot_at", .datetime)
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('queued','running','produced','refused','failed','skipped','cancelled')")
                t.column("owner", .text)
                t.column("persons", .integer)
                t.column("records", .integer)
                t.column("text_bytes", .integer)
                t.column("file_bytes", .integer)
                t.column("sha256", .text)
                t.column("file_name", .text)
                t.column("outbox_id", .integer).references("outbox", onDelete: .setNull)
                t.column("error", .text)
            }
            try db.execute(sql: """
                INSERT INTO extract_run_v3 (id, extract, trigger, production_date, requested_at, requested_by, started_at,
                    finished_at, state, persons, records, text_bytes, file_bytes, sha256, file_name, outbox_id, error)
                SELECT id, extract, trigger, production_date, started_at, 'udtraek', started_at, finished_at, state, persons,
                    records, text_bytes, file_bytes, sha256, file_name, outbox_id, error FROM extract_run
                """)
            try db.drop(table: "extract_run")
            try db.rename(table: "extract_run_v3", to: "extract_run")
            try db.create(index: "extract_run_series", on: "extract_run", columns: ["extract", "production_date"])
            try db.create(index: "extract_run_active", on: "extract_run", columns: ["extract", "state"])

            try db.create(table: "run_request_key") { t in
                t.primaryKey("idempotency_key", .text)
                t.column("run_id", .integer).notNull().references("extract_run", onDelete: .cascade)
                t.column("extract", .text).notNull()
                t.column("requested_at", .datetime).notNull()
                t.column("requested_by", .text).notNull()
            }

            try db.create(table: "extract_schedule") { t in
                t.primaryKey("extract", .text).references("extract_definition", column: "name", onDelete: .cascade)
                t.column("cron", .text).notNull()
                t.column("time_zone", .text).notNull()
                t.column("calendar", .text).notNull()
                t.column("constitution_day", .boolean).notNull()
                t.column("include_dates", .text).notNull()
                t.column("exclude_dates", .text).notNull()
                t.column("overlap", .text).notNull()
                t.column("catch_up", .text).notNull()
                t.column("enabled", .boolean).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("last_handled_slot", .datetime)
            }

            try db.create(table: "schedule_slot") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("extract", .text).notNull()
                t.column("slot_at", .datetime).notNull()
                t.column("local_time", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("run_id", .integer).references("extract_run", onDelete: .setNull)
                t.column("decided_at", .datetime).notNull()
                t.uniqueKey(["extract", "slot_at"])
            }
        }
    }
}
