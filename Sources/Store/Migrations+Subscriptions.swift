import GRDB

extension Migrations {
    /// CPR subscriptions (issue 16): the filters a receiver system follows under one
    /// `cpr-subscription` agreement, and extract definitions of kind `subscription`.
    static func registerSubscriptions(_ m: inout DatabaseMigrator) {
        m.registerMigration("v13 subscriptions") { db in
            // One row per filter value. Keyed by agreement: the agreement fixes the system
            // and the municipality on whose behalf the persons are handed out. A PNR is kept
            // as its ten digits, a municipality as its four, a change code as its three.
            // No foreign key: `config apply` replaces agreement rows, and a terminated or
            // re-applied agreement must not take its filters with it (the agreement's state
            // alone decides whether they are used).
            try db.create(table: "subscription_filter") { t in
                t.column("agreement", .text).notNull()
                t.column("system", .text).notNull()
                t.column("kind", .text).notNull().check(sql: "kind IN ('pnr','municipality','change-code')")
                t.column("value", .text).notNull()
                t.column("added_at", .datetime).notNull()
                t.column("added_by", .text).notNull()
                t.primaryKey(["agreement", "kind", "value"])
            }
            try db.create(index: "subscription_filter_system", on: "subscription_filter", columns: ["system"])
            // SQLite cannot change a CHECK constraint: the definition table is rebuilt to
            // allow the new kind (foreign keys are off during a migration, so the schedules
            // that point at it stay).
            try db.create(table: "extract_definition_v13") { t in
                t.primaryKey("name", .text)
                t.column("source", .text).notNull().check(sql: "source IN ('cpr','kle')")
                t.column("kind", .text).notNull().check(sql: "kind IN ('status','change','subscription')")
                t.column("system", .text).notNull().references("receiver_system", column: "name", onDelete: .cascade)
                t.column("municipality", .text).notNull().references("municipality", column: "code")
                t.column("record_types", .text).notNull()
                t.column("gzip_level", .integer)
                t.column("file_name_template", .text).notNull()
                t.column("task_number", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO extract_definition_v13 SELECT * FROM extract_definition")
            try db.drop(table: "extract_definition")
            try db.rename(table: "extract_definition_v13", to: "extract_definition")
        }
    }
}
