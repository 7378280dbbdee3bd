import GRDB

extension Migrations {
    /// File transfer between systems (issue 14): senders' settings, file-transfer agreements
    /// (which sender may send which data type to the system), the transfers and their steps,
    /// the link from an outbox entry to the transfer it delivers, and an index of deliveries
    /// by outbox entry.
    static func registerTransfers(_ m: inout DatabaseMigrator) {
        m.registerMigration("v9 file transfer") { db in
            try db.alter(table: "receiver_system") { t in
                t.add(column: "sender", .text)
            }
            try db.alter(table: "service_agreement") { t in
                t.add(column: "sender", .text)
                t.add(column: "inf_ref", .text)
            }
            try db.create(table: "transfer") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sender", .text).notNull()
                t.column("file_name", .text).notNull()
                t.column("senders_file_id", .text)
                t.column("file_transfer_uuid", .text)
                t.column("state", .text).notNull().check(sql: "state IN ('accepted','delivered','rejected')")
                t.column("bytes", .integer)
                t.column("sha256", .text)
                t.column("local_path", .text)
                t.column("recipients", .text).notNull()
                t.column("routing", .text).notNull()
                t.column("sender_it_system", .text)
                t.column("sender_timestamp", .datetime)
                t.column("reasons", .text).notNull()
                t.column("fingerprint", .text)
                t.column("received_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("source_removed_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("receipt_status", .text)
            }
            // A SendersFileId is routed once per sender; refusals do not count.
            try db.execute(sql: """
                CREATE UNIQUE INDEX transfer_senders_file_id ON transfer(sender, senders_file_id)
                WHERE state != 'rejected' AND senders_file_id IS NOT NULL
                """)
            try db.create(index: "transfer_open", on: "transfer", columns: ["state", "sender"])
            try db.create(index: "transfer_refusal", on: "transfer", columns: ["sender", "file_name", "fingerprint"])
            try db.create(table: "transfer_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("transfer_id", .integer).notNull().references("transfer", onDelete: .cascade)
                t.column("at", .datetime).notNull()
                t.column("event", .text).notNull()
                t.column("detail", .text).notNull()
            }
            try db.create(index: "transfer_event_of", on: "transfer_event", columns: ["transfer_id"])
            try db.alter(table: "outbox") { t in
                t.add(column: "transfer_id", .integer).references("transfer", onDelete: .setNull)
            }
            try db.create(index: "outbox_transfer", on: "outbox", columns: ["transfer_id"])
            // A transfer's view reads each recipient's delivery attempts by outbox entry; at a
            // country's scale the delivery table holds millions of rows (so do the settling of
            // interrupted deliveries and the host-key release, which read it the same way).
            try db.create(index: "delivery_outbox", on: "delivery", columns: ["outbox_id"])
        }
    }
}
