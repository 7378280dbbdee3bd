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

    /// Claims the oldest due ready entry for `owner`, marking it `delivering` in the same
    /// transaction so two workers never take the same file. Entries left `delivering` by a
    /// process that is gone are settled back to ready first, so they are taken too.
    public func claimNextDue(now: Date, system: String? = nil, owner: String, isAlive: (String) -> Bool) throws -> OutboxEntry? {
        try write("claiming the next outbox entry") { db in
            _ = try Self.settleDeadDeliveries(db, now: now, isAlive: isAlive)
            var request = OutboxEntry
                .filter(Column("state") == OutboxState.ready.rawValue && Column("next_attempt_at") <= now)
                .order(Column("next_attempt_at"), Column("id"))
            if let system { request = request.filter(Column("system") == system) }
            guard let entry = try request.fetchOne(db) else { return nil }
            return try Self.markDelivering(db, entry, owner: owner, now: now)
        }
    }

    /// Claims one specific entry (for `udtraek deliver`, which delivers what it enqueued).
    public func claim(id: Int64, now: Date, owner: String, isAlive: (String) -> Bool) throws -> OutboxEntry? {
        try write("claiming outbox entry \(id)") { db in
            _ = try Self.settleDeadDeliveries(db, now: now, isAlive: isAlive)
            guard let entry = try OutboxEntry.fetchOne(db, key: id), entry.state == .ready else { return nil }
            return try Self.markDelivering(db, entry, owner: owner, now: now)
        }
    }

    private static func markDelivering(_ db: Database, _ ready: OutboxEntry, owner: String, now: Date) throws -> OutboxEntry {
        var entry = ready
        entry.state = .delivering
        entry.owner = owner
        entry.attempts += 1
        entry.updatedAt = now
        try entry.update(db)
        return entry
    }

    /// Records the end of an attempt: the entry's new state and the delivery row together.
    public func finishAttempt(entry: OutboxEntry, delivery: DeliveryRecord) throws {
        var entry = entry
        if entry.state != .delivering { entry.owner = nil }
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

    /// Entries left `delivering` by a process that is gone go back to ready (their running
    /// delivery rows are marked failed); returns them. Entries a live process is delivering
    /// (`udtraek deliver` beside `serve`) are left alone.
    public func recoverInterruptedDeliveries(now: Date, isAlive: (String) -> Bool) throws -> [OutboxEntry] {
        try write("recovering interrupted deliveries") { db in try Self.settleDeadDeliveries(db, now: now, isAlive: isAlive) }
    }

    static func settleDeadDeliveries(_ db: Database, now: Date, isAlive: (String) -> Bool) throws -> [OutboxEntry] {
        let delivering = try OutboxEntry.filter(Column("state") == OutboxState.delivering.rawValue).fetchAll(db)
        var settled: [OutboxEntry] = []
        // An entry without an owner was claimed before owners were recorded: its process
        // cannot be checked, and no process of this version is delivering it.
        for var entry in delivering where !(entry.owner.map(isAlive) ?? false) {
            let why = "interrupted: the process delivering it (\(entry.owner ?? "unknown")) stopped during the delivery"
            entry.state = .ready
            entry.owner = nil
            entry.nextAttemptAt = now
            entry.lastError = why
            entry.updatedAt = now
            try entry.update(db)
            try DeliveryRecord.filter(Column("outbox_id") == entry.id && Column("outcome") == DeliveryOutcome.running.rawValue)
                .updateAll(db, Column("outcome").set(to: DeliveryOutcome.failed.rawValue),
                           Column("error").set(to: why), Column("finished_at").set(to: now))
            settled.append(entry)
        }
        return settled
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

    /// What `retry` found.
    public enum RetryResult: Sendable, Equatable {
        /// The entry was in `error` (or its delivering process is gone) and is ready now.
        case retried(OutboxEntry)
        /// There is no entry with that id.
        case notFound
        /// The entry is in a state that is not retried by hand: ready or delivered, or being
        /// delivered by a live process.
        case notRetryable(OutboxEntry)
    }

    /// Puts an entry in `error` back to ready (an operator fixed the cause). An entry left
    /// `delivering` by a process that is gone is settled first, so it can be retried too.
    public func retry(outboxId: Int64, now: Date, isAlive: (String) -> Bool) throws -> RetryResult {
        try write("retrying outbox entry \(outboxId)") { db in
            _ = try Self.settleDeadDeliveries(db, now: now, isAlive: isAlive)
            guard var entry = try OutboxEntry.fetchOne(db, key: outboxId) else { return .notFound }
            guard entry.state == .error || (entry.state == .ready && entry.lastError?.hasPrefix("interrupted") == true) else {
                return .notRetryable(entry)
            }
            entry.state = .ready
            entry.nextAttemptAt = now
            entry.updatedAt = now
            try entry.update(db)
            return .retried(entry)
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

    /// Puts back to ready the entries of `system` held in `error` because its server's host
    /// key did not match the pins, when the pins change (`config apply` or a host-key change
    /// order). Pinning the new key is the operator's act that removes the cause, so the
    /// held backlog goes out at the next pass without a restart or an `outbox retry` per
    /// file. Audited (`outbox.released`) in the caller's transaction. Returns how many.
    @discardableResult
    static func releaseHostKeyHolds(_ db: Database, previous: ReceiverSystem?, current: ReceiverSystem,
                                    now: Date, actor: String) throws -> Int {
        guard let previous, Set(previous.hostKeyFingerprints) != Set(current.hostKeyFingerprints) else { return 0 }
        try db.execute(sql: """
            UPDATE outbox SET state = 'ready', next_attempt_at = ?, updated_at = ?
            WHERE system = ? AND state = 'error'
              AND (SELECT d.error_code FROM delivery d WHERE d.outbox_id = outbox.id ORDER BY d.id DESC LIMIT 1) = 'sftp.hostKeyMismatch'
            """, arguments: [now, now, current.name])
        let released = db.changesCount
        if released > 0 {
            var row = AuditEntry(at: now, actor: actor, action: "outbox.released", subject: current.name,
                                 detail: "\(released) file(s) held back by a host-key mismatch are ready again: the pins are now \(current.hostKeyFingerprints.joined(separator: ", "))")
            try row.insert(db)
        }
        return released
    }
}
