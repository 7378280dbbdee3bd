import GRDB

extension Migrations {
    /// Two more kinds of technical change order: `ssl-certificate` (a system's gateway client
    /// certificate, with an overlap in which the old one is still accepted) and `infref`
    /// (the data type in the metadata of a system's extract files).
    static func registerChangeKinds(_ m: inout DatabaseMigrator) {
        m.registerMigration("v11-change-kinds") { db in
            try db.alter(table: "receiver_system") { t in
                t.add(column: "inf_ref", .text)
            }
            try db.alter(table: "gateway_system_certificate") { t in
                t.add(column: "serial", .text)
            }
            try db.create(table: "gateway_certificate_overlap") { t in
                t.primaryKey("system", .text).references("receiver_system", column: "name", onDelete: .cascade)
                t.column("order_id", .integer).notNull()
                t.column("old_subject", .text)
                t.column("old_fingerprint", .text)
                t.column("old_serial", .text)
                t.column("new_fingerprint", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("retire_at", .datetime).notNull()
            }
            // SQLite cannot change a CHECK constraint in place: the table is built again with
            // the new kinds, its rows copied, and the old one replaced (SQLite's documented
            // procedure; the migrator defers foreign-key checks to the end, and the receipts'
            // references name the table, which is the same again after the rename).
            try db.create(table: "change_order_v11") { t in
                t.autoIncrementedPrimaryKey("id")
                // Not a foreign key: an order for an unknown system is kept, rejected.
                t.column("system", .text).notNull()
                t.column("kind", .text).notNull()
                    .check(sql: "kind IN ('monitoring','ssh-key','inbox','host-key','ssl-certificate','infref')")
                t.column("order_ref", .text)
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('received','accepted','rejected','carried-out','completed','failed')")
                t.column("requested_time", .datetime)
                t.column("execute_at", .datetime).notNull()
                t.column("submitted_by", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("request", .text).notNull()
                t.column("previous", .text)
                t.column("received_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
            }
            try db.execute(sql: "INSERT INTO change_order_v11 SELECT * FROM change_order")
            try db.drop(table: "change_order")
            try db.rename(table: "change_order_v11", to: "change_order")
            try db.create(index: "change_order_due", on: "change_order", columns: ["state", "execute_at"])
            try db.create(index: "change_order_system", on: "change_order", columns: ["system"])
        }
    }
}
