import GRDB

extension Migrations {
    /// The administration module (issue 12): organisations, users and their hashed API
    /// tokens, systems registered by their suppliers, agreements with a life of their own
    /// (requested, approved, rejected, terminated; who owns the row), their history, and
    /// the notice outbox.
    static func registerAdministration(_ m: inout DatabaseMigrator) {
        m.registerMigration("v10 administration") { db in
            // SQLite cannot change a CHECK constraint: the agreement table is rebuilt to
            // allow the new states, and `pending` rows become `requested`.
            try db.create(table: "service_agreement_v10") { t in
                t.primaryKey("uuid", .text)
                t.column("system", .text).notNull().references("receiver_system", column: "name", onDelete: .cascade)
                t.column("municipality", .text).notNull().references("municipality", column: "code")
                t.column("service", .text).notNull()
                t.column("state", .text).notNull().check(sql: "state IN ('requested','approved','rejected','terminated')")
                t.column("sender", .text)
                t.column("inf_ref", .text)
                t.column("origin", .text).notNull().defaults(to: "config").check(sql: "origin IN ('config','admin')")
            }
            try db.execute(sql: """
                INSERT INTO service_agreement_v10 (uuid, system, municipality, service, state, sender, inf_ref, origin)
                SELECT uuid, system, municipality, service,
                       CASE state WHEN 'pending' THEN 'requested' ELSE state END, sender, inf_ref, 'config'
                FROM service_agreement
                """)
            try db.drop(table: "service_agreement")
            try db.rename(table: "service_agreement_v10", to: "service_agreement")
            try db.create(index: "service_agreement_lookup", on: "service_agreement",
                          columns: ["system", "municipality", "service"])
            try db.alter(table: "receiver_system") { t in
                t.add(column: "origin", .text).notNull().defaults(to: "config")
                t.add(column: "supplier", .text)
            }
            try db.create(table: "organisation") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull().check(sql: "kind IN ('platform','supplier','municipality')")
                t.column("name", .text).notNull()
                t.column("cvr", .text).unique()
                t.column("municipality", .text).unique()
                t.column("notice_address", .text)
                t.column("ceiling_lookups", .integer)
                t.column("ceiling_bytes", .integer)
                t.column("created_at", .datetime).notNull()
            }
            try db.execute(sql: """
                INSERT INTO organisation (id, kind, name, created_at)
                VALUES ('platform', 'platform', 'The platform (helpdesk)', CURRENT_TIMESTAMP)
                """)
            try db.create(table: "app_user") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("organisation", .text).notNull().references("organisation", column: "id")
                t.column("name", .text).notNull()
                t.column("email", .text)
                t.column("roles", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("disabled_at", .datetime)
            }
            try db.create(index: "app_user_organisation", on: "app_user", columns: ["organisation"])
            try db.create(table: "api_token") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("user_id", .integer).notNull().references("app_user", column: "id")
                t.column("name", .text).notNull()
                t.column("digest", .text).notNull().unique()
                t.column("prefix", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("expires_at", .datetime)
                t.column("revoked_at", .datetime)
                t.column("last_used_at", .datetime)
            }
            try db.create(index: "api_token_user", on: "api_token", columns: ["user_id"])
            try db.create(table: "system_registration") { t in
                t.primaryKey("system", .text).references("receiver_system", column: "name", onDelete: .cascade)
                t.column("supplier", .text).notNull().references("organisation", column: "id")
                t.column("certificate_subject", .text)
                t.column("certificate_fingerprint", .text)
                t.column("certificate_serial", .text)
                t.column("notice_address", .text)
                t.column("trial", .boolean).notNull()
                t.column("public_key", .text).notNull()
                t.column("registered_by", .text).notNull()
                t.column("registered_at", .datetime).notNull()
            }
            try db.create(index: "system_registration_supplier", on: "system_registration", columns: ["supplier"])
            try db.create(table: "agreement_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("agreement_uuid", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("event", .text).notNull()
                t.column("reason", .text)
            }
            try db.create(index: "agreement_event_agreement", on: "agreement_event", columns: ["agreement_uuid", "id"])
            try db.create(table: "notice") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("organisation", .text).notNull()
                t.column("address", .text)
                t.column("kind", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("body", .text).notNull()
                t.column("sent_at", .datetime)
            }
            try db.create(index: "notice_organisation", on: "notice", columns: ["organisation", "id"])
            // Usage reads a month of calls and files per agreement.
            try db.create(index: "gateway_call_agreement", on: "gateway_call", columns: ["agreement_uuid", "at"])
            try db.create(index: "outbox_agreement", on: "outbox", columns: ["agreement_uuid", "created_at"])
        }
    }
}
