import Foundation
import GRDB

extension Store {
    /// Commits a new outbox entry (the file must already be complete and fsynced).
    public func enqueue(_ entry: OutboxEntry) throws -> OutboxEntry {
        try write("adding \(entry.fileName) to the outbox") { db in
            var row = entry
            try row.insert(db)
            return row
        }
    }

    /// Claims the oldest due ready entry, marking it `delivering` in the same transaction
    /// so two workers never take the same file.
    public func claimNextDue(now: Date, system: String? = nil) throws -> OutboxEntry? {
        try write("claiming the next outbox entry") { db in
            var request = OutboxEntry
                .filter(Column("state") == OutboxState.ready.rawValue && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"), Column("id"))
            if let system { request = request.filter(Column("system") == system) }
            guard var entry = try request.fetchOne(db) else { return nil }
            entry.state = .delivering
            entry.attempts += 1
            entry.updatedAt = now
            try entry.update(db)
            return entry
        }
    }

    /// Claims one specific entry (for `udtraek deliver`, which delivers what it enqueued).
    public func claim(id: Int64, now: Date) throws -> OutboxEntry? {
        try write("claiming outbox entry \(id)") { db in
            guard var entry = try OutboxEntry.fetchOne(db, key: id), entry.state == .ready else { return nil }
            entry.state = .delivering
            entry.attempts += 1
            entry.updatedAt = now
            try entry.update(db)
            return entry
        }
    }

    /// Records the end of an attempt: the entry's new state and the delivery row together.
    public func finishAttempt(entry: OutboxEntry, delivery: DeliveryRecord) throws {
        try write("recording the delivery of \(entry.fileName)") { db in
            try entry.update(db)
            try delivery.update(db)
        }
    }

    public func startDelivery(_ record: DeliveryRecord) throws -> DeliveryRecord {
        try write("recording the start of a delivery") { db in
            var row = record
            try row.insert(db)
            return row
        }
    }

    /// Entries left `delivering` by a process that died go back to ready; returns them.
    public func recoverInterruptedDeliveries(now: Date) throws -> [OutboxEntry] {
        try write("recovering interrupted deliveries") { db in
            let stuck = try OutboxEntry.filter(Column("state") == OutboxState.delivering.rawValue).fetchAll(db)
            for var entry in stuck {
                entry.state = .ready
                entry.nextAttemptAt = now
                entry.lastError = "interrupted: the process stopped during the delivery"
                entry.updatedAt = now
                try entry.update(db)
            }
            try DeliveryRecord.filter(Column("outcome") == DeliveryOutcome.running.rawValue)
                .updateAll(db, Column("outcome").set(to: DeliveryOutcome.failed.rawValue),
                           Column("error").set(to: "interrupted: the process stopped during the delivery"),
                           Column("finished_at").set(to: now))
            return stuck
        }
    }

    public func outboxEntry(id: Int64) throws -> OutboxEntry? {
        try read("reading outbox entry \(id)") { db in try OutboxEntry.fetchOne(db, key: id) }
    }

    public func outbox(states: [OutboxState]? = nil, limit: Int = 200) throws -> [OutboxEntry] {
        try read("reading the outbox") { db in
            var request = OutboxEntry.order(Column("id").desc).limit(limit)
            if let states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            return try request.fetchAll(db)
        }
    }

    /// Puts an entry in `error` back to ready (an operator fixed the cause).
    public func retry(outboxId: Int64, now: Date) throws -> OutboxEntry? {
        try write("retrying outbox entry \(outboxId)") { db in
            guard var entry = try OutboxEntry.fetchOne(db, key: outboxId), entry.state == .error else { return nil }
            entry.state = .ready
            entry.nextAttemptAt = now
            entry.updatedAt = now
            try entry.update(db)
            return entry
        }
    }

    public func deliveries(system: String? = nil, limit: Int = 50) throws -> [DeliveryRecord] {
        try read("reading deliveries") { db in
            var request = DeliveryRecord.order(Column("id").desc).limit(limit)
            if let system { request = request.filter(Column("system") == system) }
            return try request.fetchAll(db)
        }
    }

    /// The paths of every outbox entry's file, so start-up can tell leftovers in Spool/
    /// (files no entry points at) from files still waiting.
    public func referencedSpoolPaths() throws -> Set<String> {
        try read("reading outbox paths") { db in
            Set(try String.fetchAll(db, sql: "SELECT local_path FROM outbox WHERE owned_by_spool AND state != 'delivered'"))
        }
    }
}
