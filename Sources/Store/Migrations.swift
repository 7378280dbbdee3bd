import GRDB

/// The schema, as forward-only migrations. A released migration is never edited; a
/// change is a new migration appended at the end.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1 foundation") { db in
            try db.create(table: "platform_setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "municipality") { t in
                t.primaryKey("code", .text)
                t.column("name", .text).notNull()
            }
            try db.create(table: "receiver_system") { t in
                t.primaryKey("name", .text)
                t.column("uuid", .text)
                t.column("description", .text).notNull().defaults(to: "")
                t.column("sftp_host", .text).notNull()
                t.column("sftp_port", .integer).notNull()
                t.column("sftp_user", .text).notNull()
                t.column("inbox_path", .text).notNull()
                t.column("private_key_path", .text).notNull()
                t.column("passphrase_env", .text)
                t.column("passphrase_file", .text)
                t.column("host_key_fingerprints", .text).notNull()
                t.column("existing_target", .text).notNull()
                    .check(sql: "existing_target IN ('refuse','replace')")
            }
            try db.create(table: "service_agreement") { t in
                t.primaryKey("uuid", .text)
                t.column("system", .text).notNull().references("receiver_system", column: "name", onDelete: .cascade)
                t.column("municipality", .text).notNull().references("municipality", column: "code")
                t.column("service", .text).notNull()
                t.column("state", .text).notNull().check(sql: "state IN ('pending','approved','terminated')")
            }
            try db.create(index: "service_agreement_lookup", on: "service_agreement",
                          columns: ["system", "municipality", "service"])
            try db.create(table: "audit_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("system", .text).notNull()
                t.column("file_name", .text).notNull()
                t.column("local_path", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("sha256", .text)
                t.column("state", .text).notNull().check(sql: "state IN ('ready','delivering','delivered','error')")
                t.column("attempts", .integer).notNull()
                t.column("next_attempt_at", .datetime).notNull()
                t.column("last_error", .text)
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("owned_by_spool", .boolean).notNull()
                t.column("routing", .text).notNull()
                t.column("agreement_uuid", .text)
                t.column("senders_file_id", .text).notNull()
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["state", "next_attempt_at"])
            try db.create(table: "delivery") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("outbox_id", .integer).references("outbox", onDelete: .setNull)
                t.column("system", .text).notNull()
                t.column("file_name", .text).notNull()
                t.column("remote_path", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("sha256", .text)
                t.column("transfer_uuid", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("duration_ms", .integer)
                t.column("throughput", .double)
                t.column("outcome", .text).notNull()
                t.column("error_code", .text)
                t.column("error", .text)
            }
            try db.create(index: "delivery_recent", on: "delivery", columns: ["started_at"])
        }
        m.registerMigration("v2 extracts") { db in
            try db.create(table: "extract_definition") { t in
                t.primaryKey("name", .text)
                t.column("source", .text).notNull().check(sql: "source IN ('cpr','kle')")
                t.column("kind", .text).notNull().check(sql: "kind IN ('status','change')")
                t.column("system", .text).notNull().references("receiver_system", column: "name", onDelete: .cascade)
                t.column("municipality", .text).notNull().references("municipality", column: "code")
                t.column("record_types", .text).notNull()
                t.column("gzip_level", .integer)
                t.column("file_name_template", .text).notNull()
                t.column("task_number", .integer).notNull()
            }
            try db.create(table: "extract_run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("extract", .text).notNull()
                t.column("trigger", .text).notNull()
                t.column("production_date", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("state", .text).notNull()
                t.column("persons", .integer)
                t.column("records", .integer)
                t.column("text_bytes", .integer)
                t.column("file_bytes", .integer)
                t.column("sha256", .text)
                t.column("file_name", .text)
                t.column("outbox_id", .integer).references("outbox", onDelete: .setNull)
                t.column("error", .text)
            }
            try db.create(index: "extract_run_series", on: "extract_run", columns: ["extract", "production_date"])
        }
        registerSchedulingMigration(&m)
        registerMonitoring(&m)
        registerGatewayMigrations(&m)
        registerChangeOrders(&m)
        registerIntegrity(&m)
        registerTransfers(&m)
        registerAdministration(&m)
        registerChangeKinds(&m)
        registerConsole(&m)
        registerSubscriptions(&m)
        return m
    }
}
