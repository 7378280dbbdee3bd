import GRDB

extension Migrations {
    /// Technical change orders (issue 5): the orders as submitted (immutable request), their
    /// receipts, and SSH keys in an overlap after a rotation.
    static func registerChangeOrders(_ m: inout DatabaseMigrator) {
        m.registerMigration("v7 change orders") { db in
            try db.create(table: "change_order") { t in
                t.autoIncrementedPrimaryKey("id")
                // Not a foreign key: an order for an unknown system is kept, rejected.
                t.column("system", .text).notNull()
                t.column("kind", .text).notNull().check(sql: "kind IN ('monitoring','ssh-key','inbox','host-key')")
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
            try db.create(index: "change_order_due", on: "change_order", columns: ["state", "execute_at"])
            try db.create(index: "change_order_system", on: "change_order", columns: ["system"])
            try db.create(table: "change_receipt") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("order_id", .integer).notNull().references("change_order", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull()
                t.column("reasons", .text).notNull()
            }
            try db.create(index: "change_receipt_order", on: "change_receipt", columns: ["order_id"])
            try db.create(table: "ssh_key_overlap") { t in
                t.primaryKey("system", .text).references("receiver_system", column: "name", onDelete: .cascade)
                t.column("order_id", .integer).notNull()
                t.column("old_private_key_path", .text).notNull()
                t.column("old_passphrase_env", .text)
                t.column("old_passphrase_file", .text)
                t.column("new_private_key_path", .text).notNull()
                t.column("started_at", .datetime).notNull()
                t.column("retire_at", .datetime).notNull()
            }
        }
    }
}
