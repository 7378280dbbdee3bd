import GRDB

extension Migrations {
    /// Indexes for the operator console's per-system histories: a system's files by delivery
    /// time (the pickups list and the pickup-delay chart) and its deliveries by start time
    /// (today's counts and the throughput chart). Without them each overview reads every
    /// pickup and delivery row of the platform.
    static func registerConsole(_ m: inout DatabaseMigrator) {
        m.registerMigration("v12 console indexes") { db in
            try db.create(index: "pickup_system_delivered", on: "pickup", columns: ["system", "delivered_at"])
            try db.create(index: "delivery_system_started", on: "delivery", columns: ["system", "started_at"])
        }
    }
}
