import GRDB

extension Migrations {
    /// The gateway's tables: who may call (certificate identities per system), the
    /// municipalities' UUIDs callers name in `UserUUID`, and one row per call.
    static func registerGatewayMigrations(_ m: inout DatabaseMigrator) {
        m.registerMigration("v6 gateway") { db in
            try db.alter(table: "municipality") { t in
                t.add(column: "uuid", .text)
            }
            try db.create(table: "gateway_system_certificate") { t in
                t.primaryKey("system", .text).references("receiver_system", column: "name", onDelete: .cascade)
                t.column("subject", .text)
                t.column("fingerprint", .text)
            }
            try db.create(table: "gateway_call") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("request_id", .text).notNull()
                t.column("operation", .text).notNull()
                t.column("system", .text)
                t.column("certificate", .text)
                t.column("municipality", .text)
                t.column("agreement_uuid", .text)
                t.column("service", .text)
                t.column("on_behalf_of_user", .text)
                t.column("callers_call_id", .text)
                t.column("accounting_info", .text)
                t.column("status", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("duration_ms", .double).notNull()
                t.column("first_byte_ms", .double)
                t.column("bytes", .integer).notNull()
                t.column("breach", .text)
            }
            try db.create(index: "gateway_call_recent", on: "gateway_call", columns: ["at"])
            try db.create(index: "gateway_call_system", on: "gateway_call", columns: ["system", "at"])
        }
    }
}
