import Foundation
import GRDB

/// A request for a run of an extract, from any trigger.
public struct RunRequestSpec: Sendable, Equatable {
    public var extract: String
    public var trigger: RunTrigger
    public var productionDate: String
    public var requestedBy: String
    public var slotAt: Date?
    /// A caller-chosen key: the same key always answers with the same run.
    public var idempotencyKey: String?
    /// A digest of the request as its caller sent it, stored with `idempotencyKey`: the
    /// same key with another request is refused (`keyConflict`) rather than replayed.
    public var requestDigest: String?
    /// While a run is in flight: queue one run behind it (false) or record this one as
    /// skipped (true).
    public var skipWhenBusy: Bool
    /// Produce the file again although a run for the same production date is running or
    /// has produced it (an operator's explicit re-run; the same name reaches the receiver
    /// twice, or replaces the first under `existing_target: replace`).
    public var rerun: Bool

    public init(extract: String, trigger: RunTrigger, productionDate: String, requestedBy: String, slotAt: Date? = nil,
                idempotencyKey: String? = nil, requestDigest: String? = nil, skipWhenBusy: Bool = false, rerun: Bool = false) {
        self.extract = extract
        self.trigger = trigger
        self.productionDate = productionDate
        self.requestedBy = requestedBy
        self.slotAt = slotAt
        self.idempotencyKey = idempotencyKey
        self.requestDigest = requestDigest
        self.skipWhenBusy = skipWhenBusy
        self.rerun = rerun
    }
}

/// What became of a run request.
public enum RunRequestOutcome: String, Sendable, Codable {
    /// Queued with nothing ahead of it: the requester may claim it at once.
    case accepted
    /// Queued behind the run in flight; it starts when that one ends.
    case queuedBehind = "queued-behind"
    /// A queued run for the same production date was already waiting; this request is
    /// answered with that run rather than a second one (a slow extract never builds a
    /// backlog).
    case coalesced
    /// A run was in flight and the schedule's overlap policy is skip: recorded, not run.
    case skipped
    /// The idempotency key was seen before with the same request: this is the run it created.
    case replayed
    /// The idempotency key was seen before with a different request (another extract, date
    /// or re-run flag): nothing was queued; `run` is the run the key stands for.
    case keyConflict = "key-conflict"
    /// A run for the same production date is running: this request is answered with it
    /// (a burst of requests produces one file, not two with the same name).
    case joined
    /// A run for the same production date has produced its file: nothing was queued; `run`
    /// is that run. Ask with `rerun` to produce it again.
    case alreadyProduced = "already-produced"
}

/// A request's answer: the run that stands for it, and what is ahead of it.
public struct RunRequest: Sendable, Equatable {
    public var run: ExtractRun
    public var outcome: RunRequestOutcome
    /// The run in flight when the request came, if any.
    public var inFlight: ExtractRun?
}

/// The rule that never two runs of one extract produce at once: a run is `queued` first
/// and becomes `running` only through a claim, which succeeds only while no other run of
/// that extract is running. Claims happen inside SQLite write transactions, so two
/// processes (serve and a CLI, or two CLIs) cannot both win. A run whose owning process
/// died is settled as failed before anything else is decided, so a crash never blocks an
/// extract for good.
extension Store {
    /// Asks for a run; see `RunRequestOutcome` for the answers.
    public func requestRun(_ spec: RunRequestSpec, now: Date, isAlive: (String) -> Bool) throws -> RunRequest {
        try write("requesting a run of \(spec.extract)") { db in
            _ = try Self.settleDeadRuns(db, extract: spec.extract, now: now, isAlive: isAlive)
            return try Self.requestRun(db, spec, now: now)
        }
    }

    static func requestRun(_ db: Database, _ spec: RunRequestSpec, now: Date) throws -> RunRequest {
        if let key = spec.idempotencyKey,
           let row = try Row.fetchOne(db, sql: "SELECT run_id, extract, request_digest FROM run_request_key WHERE idempotency_key = ?",
                                      arguments: [key]),
           let run = try ExtractRun.fetchOne(db, key: row["run_id"] as Int64) {
            // Keys stored before digests were kept are compared by extract, as they were then.
            let stored: String? = row["request_digest"]
            let same = stored.map { $0 == spec.requestDigest } ?? ((row["extract"] as String) == spec.extract)
            return RunRequest(run: run, outcome: same ? .replayed : .keyConflict, inFlight: nil)
        }
        let running = try activeRun(db, extract: spec.extract, state: .running)
        // Only a queued run for the same production date stands for this request; a
        // request for another day (a backfill) is a different file and waits its own turn.
        let queued = try ExtractRun.filter(Column("extract") == spec.extract && Column("state") == ExtractRunState.queued.rawValue
                                           && Column("production_date") == spec.productionDate).order(Column("id")).fetchOne(db)
        var answer: RunRequest
        if let queued {
            answer = RunRequest(run: queued, outcome: .coalesced, inFlight: running)
        } else if !spec.rerun, let running, running.productionDate == spec.productionDate {
            answer = RunRequest(run: running, outcome: .joined, inFlight: running)
        } else if !spec.rerun, let produced = try ExtractRun
                    .filter(Column("extract") == spec.extract && Column("state") == ExtractRunState.produced.rawValue
                            && Column("production_date") == spec.productionDate)
                    .order(Column("id").desc).fetchOne(db) {
            answer = RunRequest(run: produced, outcome: .alreadyProduced, inFlight: nil)
        } else {
            var run = ExtractRun(extract: spec.extract, trigger: spec.trigger, productionDate: spec.productionDate,
                                 requestedAt: now, requestedBy: spec.requestedBy, slotAt: spec.slotAt, state: .queued)
            var outcome = RunRequestOutcome.accepted
            if let running {
                if spec.skipWhenBusy {
                    run.state = .skipped
                    run.finishedAt = now
                    run.error = "run \(running.id ?? 0) of \(spec.extract) was in flight (started \(running.startedAt.map { "\($0)" } ?? "-")); the schedule's overlap policy is skip"
                    outcome = .skipped
                } else {
                    outcome = .queuedBehind
                }
            }
            try run.insert(db)
            answer = RunRequest(run: run, outcome: outcome, inFlight: running)
        }
        if let key = spec.idempotencyKey {
            try db.execute(sql: """
                INSERT INTO run_request_key (idempotency_key, run_id, extract, requested_at, requested_by, request_digest)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [key, answer.run.id, spec.extract, now, spec.requestedBy, spec.requestDigest])
        }
        return answer
    }

    /// Takes queued run `id` out of the queue (an operator changed their mind, or a backfill
    /// was asked for the wrong day). Only a queued run can be cancelled: a running one is
    /// producing and stops only with its process. Returns the run as it is now, or nil
    /// when there is no such run.
    public func cancelRun(id: Int64, by actor: String, reason: String, now: Date) throws -> (run: ExtractRun, cancelled: Bool)? {
        try write("cancelling run \(id)") { db in
            guard var run = try ExtractRun.fetchOne(db, key: id) else { return nil }
            guard run.state == .queued else { return (run, false) }
            run.state = .cancelled
            run.finishedAt = now
            run.error = "cancelled by \(actor)" + (reason.isEmpty ? "" : ": \(reason)")
            try run.update(db)
            var entry = AuditEntry(at: now, actor: actor, action: "extract.cancelled", subject: run.extract,
                                   detail: "run \(id) for \(run.productionDate)" + (reason.isEmpty ? "" : ": \(reason)"))
            try entry.insert(db)
            return (run, true)
        }
    }

    /// Makes run `id` running under `owner` if it is still queued and no other run of its
    /// extract is running; nil otherwise (someone else claimed it, or one is in flight).
    public func claimRun(id: Int64, owner: String, now: Date, isAlive: (String) -> Bool) throws -> ExtractRun? {
        try write("claiming run \(id)") { db in
            guard let run = try ExtractRun.fetchOne(db, key: id), run.state == .queued else { return nil }
            _ = try Self.settleDeadRuns(db, extract: run.extract, now: now, isAlive: isAlive)
            return try Self.claim(db, run, owner: owner, now: now)
        }
    }

    /// Claims the oldest queued run of any extract that has none running (skipping
    /// `excluding`), for the service's run executor.
    public func claimNextRun(owner: String, now: Date, excluding: Set<String> = [], isAlive: (String) -> Bool) throws -> ExtractRun? {
        try write("claiming the next queued run") { db in
            let queued = try ExtractRun.filter(Column("state") == ExtractRunState.queued.rawValue)
                .order(Column("id")).fetchAll(db)
            for run in queued where !excluding.contains(run.extract) {
                _ = try Self.settleDeadRuns(db, extract: run.extract, now: now, isAlive: isAlive)
                if let claimed = try Self.claim(db, run, owner: owner, now: now) { return claimed }
            }
            return nil
        }
    }

    private static func claim(_ db: Database, _ run: ExtractRun, owner: String, now: Date) throws -> ExtractRun? {
        guard try activeRun(db, extract: run.extract, state: .running) == nil else { return nil }
        var claimed = run
        claimed.state = .running
        claimed.startedAt = now
        claimed.owner = owner
        try claimed.update(db)
        return claimed
    }

    /// Settles runs whose process is gone: each becomes `failed`. A scheduled or
    /// catch-up run is then asked for again (trigger `recovery`, same production date and
    /// slot) unless a queued run already waits, because nobody else would notice the
    /// day's file is missing; a manual or API run is not, since its caller sees the
    /// failure. Returns the settled runs and the recovery runs queued.
    public func settleInterruptedRuns(now: Date, isAlive: (String) -> Bool) throws -> (failed: [ExtractRun], requeued: [ExtractRun]) {
        try write("settling interrupted runs") { db in
            var failed: [ExtractRun] = []
            var requeued: [ExtractRun] = []
            let extracts = try String.fetchAll(db, sql: "SELECT DISTINCT extract FROM extract_run WHERE state = 'running'")
            for extract in extracts {
                let (f, r) = try Self.settleDeadRuns(db, extract: extract, now: now, isAlive: isAlive)
                failed += f
                requeued += r
            }
            return (failed, requeued)
        }
    }

    static func settleDeadRuns(_ db: Database, extract: String, now: Date,
                               isAlive: (String) -> Bool) throws -> ([ExtractRun], [ExtractRun]) {
        let running = try ExtractRun.filter(Column("extract") == extract && Column("state") == ExtractRunState.running.rawValue)
            .fetchAll(db)
        var failed: [ExtractRun] = []
        var requeued: [ExtractRun] = []
        for var run in running where !isAlive(run.owner ?? "") {
            run.state = .failed
            run.finishedAt = now
            run.error = "interrupted: the process producing the file (\(run.owner ?? "unknown")) stopped; nothing was queued for delivery"
            try run.update(db)
            failed.append(run)
            guard [.schedule, .catchUp].contains(run.trigger), try activeRun(db, extract: extract, state: .queued) == nil,
                  try ExtractDefinition.fetchOne(db, key: extract) != nil else { continue }
            var again = ExtractRun(extract: extract, trigger: .recovery, productionDate: run.productionDate, requestedAt: now,
                                   requestedBy: "recovery of run \(run.id ?? 0)", slotAt: run.slotAt, state: .queued)
            try again.insert(db)
            requeued.append(again)
        }
        return (failed, requeued)
    }

    static func activeRun(_ db: Database, extract: String, state: ExtractRunState) throws -> ExtractRun? {
        try ExtractRun.filter(Column("extract") == extract && Column("state") == state.rawValue).order(Column("id")).fetchOne(db)
    }

    /// The run in flight and the run queued for `extract`, as recorded now.
    public func activeRuns(extract: String) throws -> (running: ExtractRun?, queued: ExtractRun?) {
        try read("reading active runs of \(extract)") { db in
            (try Self.activeRun(db, extract: extract, state: .running), try Self.activeRun(db, extract: extract, state: .queued))
        }
    }
}
