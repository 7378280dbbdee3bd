import GRDB

extension Migrations {
    /// Integrity (issue 11): who holds an outbox entry that is being delivered, so a
    /// delivery whose process died is settled by owner identity rather than by a restart;
    /// and a digest of the request an idempotency key was first used with, so the same key
    /// with another body is refused instead of replayed.
    static func registerIntegrity(_ m: inout DatabaseMigrator) {
        m.registerMigration("v8 owners and request digests") { db in
            try db.alter(table: "outbox") { t in
                t.add(column: "owner", .text)
            }
            try db.alter(table: "run_request_key") { t in
                t.add(column: "request_digest", .text)
            }
        }
    }
}
