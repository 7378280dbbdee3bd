import Foundation
import GRDB

/// An extract's schedule as configured (`schedule:` under an extract). The store keeps
/// the strings; `Scheduling` gives them meaning and the configuration checks them.
public struct ExtractSchedule: Codable, Sendable, Equatable {
    public var extract: String
    /// 5-field cron expression or @daily/@hourly/@weekly/@monthly.
    public var cron: String
    /// tz database zone the cron fields are read in.
    public var timeZone: String
    /// every-day or business-days.
    public var calendar: String
    /// Whether 5 June (Grundlovsdag) is a holiday for the business-day calendar.
    public var constitutionDay: Bool
    /// Dates (YYYY-MM-DD) that run even if the calendar skips them.
    public var include: [String]
    /// Dates that never run; exclude wins over include.
    public var exclude: [String]
    /// queue or skip.
    public var overlap: String
    /// run-once or skip-to-next.
    public var catchUp: String
    /// A disabled schedule decides nothing; slots while disabled are never caught up.
    public var enabled: Bool

    public init(extract: String, cron: String, timeZone: String = "Europe/Copenhagen", calendar: String = "every-day",
                constitutionDay: Bool = true, include: [String] = [], exclude: [String] = [], overlap: String = "queue",
                catchUp: String = "run-once", enabled: Bool = true) {
        self.extract = extract
        self.cron = cron
        self.timeZone = timeZone
        self.calendar = calendar
        self.constitutionDay = constitutionDay
        self.include = include
        self.exclude = exclude
        self.overlap = overlap
        self.catchUp = catchUp
        self.enabled = enabled
    }
}

/// A schedule with the scheduler's progress through it.
public struct ScheduleState: Sendable, Equatable {
    public var schedule: ExtractSchedule
    /// When the schedule got its current settings; no slot before it is ever run.
    public var createdAt: Date
    /// The last slot decided; the next decision starts after it.
    public var lastHandledSlot: Date?
}

/// One slot's decision, to record.
public struct SlotDecisionRecord: Sendable, Equatable {
    public var slotAt: Date
    /// Local wall-clock time of the slot, "2026-11-23 06:30".
    public var localTime: String
    /// ran, caught-up, queued, skipped-holiday, skipped-weekend, skipped-excluded,
    /// skipped-overlap, skipped-produced, missed (see `SlotOutcomeName` in the Scheduler module).
    public var outcome: String
    /// Why: the holiday's name, how many slots a catch-up stands for, ...
    public var detail: String
    /// The run to ask for, for outcomes that start or queue one.
    public var run: RunRequestSpec?

    public init(slotAt: Date, localTime: String, outcome: String, detail: String = "", run: RunRequestSpec? = nil) {
        self.slotAt = slotAt
        self.localTime = localTime
        self.outcome = outcome
        self.detail = detail
        self.run = run
    }
}

/// A recorded slot with the outcome of its run, for `udtraek schedule history`.
public struct ScheduleSlotRecord: Codable, Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var extract: String
    public var slotAt: Date
    public var localTime: String
    public var outcome: String
    public var detail: String
    public var runId: Int64?
    /// The run's state (produced, failed, refused, queued, running, skipped), if it had one.
    public var runState: String?
    public var decidedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, extract, outcome, detail
        case slotAt = "slot_at"
        case localTime = "local_time"
        case runId = "run_id"
        case runState = "run_state"
        case decidedAt = "decided_at"
    }
}

/// The row in `extract_schedule`: the configured settings plus the scheduler's progress.
struct ScheduleRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "extract_schedule"
    var extract: String
    var cron: String
    var timeZone: String
    var calendar: String
    var constitutionDay: Bool
    var includeDates: [String]
    var excludeDates: [String]
    var overlap: String
    var catchUp: String
    var enabled: Bool
    var createdAt: Date
    var lastHandledSlot: Date?

    init(_ s: ExtractSchedule, createdAt: Date, lastHandledSlot: Date? = nil) {
        extract = s.extract
        cron = s.cron
        timeZone = s.timeZone
        calendar = s.calendar
        constitutionDay = s.constitutionDay
        includeDates = s.include
        excludeDates = s.exclude
        overlap = s.overlap
        catchUp = s.catchUp
        enabled = s.enabled
        self.createdAt = createdAt
        self.lastHandledSlot = lastHandledSlot
    }

    var schedule: ExtractSchedule {
        ExtractSchedule(extract: extract, cron: cron, timeZone: timeZone, calendar: calendar, constitutionDay: constitutionDay,
                        include: includeDates, exclude: excludeDates, overlap: overlap, catchUp: catchUp, enabled: enabled)
    }

    var state: ScheduleState { ScheduleState(schedule: schedule, createdAt: createdAt, lastHandledSlot: lastHandledSlot) }

    enum CodingKeys: String, CodingKey {
        case extract, cron, calendar, overlap, enabled
        case timeZone = "time_zone"
        case constitutionDay = "constitution_day"
        case includeDates = "include_dates"
        case excludeDates = "exclude_dates"
        case catchUp = "catch_up"
        case createdAt = "created_at"
        case lastHandledSlot = "last_handled_slot"
    }

    /// Makes the table hold exactly `schedules`. A schedule whose settings are unchanged
    /// keeps its progress; a new or changed one starts at `now`, so changing a schedule
    /// never runs the slots between its old last run and now under the new rules. A
    /// disabled schedule restarts at `now` when enabled again, for the same reason.
    static func replace(_ db: Database, with schedules: [ExtractSchedule], now: Date) throws {
        let current = try ScheduleRow.fetchAll(db)
        for row in current where !schedules.contains(where: { $0.extract == row.extract }) {
            try row.delete(db)
        }
        for schedule in schedules {
            if let row = current.first(where: { $0.extract == schedule.extract }), row.schedule == schedule { continue }
            try ScheduleRow(schedule, createdAt: now).save(db)
        }
    }
}

extension Store {
    /// Every schedule with its progress.
    public func schedules() throws -> [ScheduleState] {
        try read("reading schedules") { db in try ScheduleRow.order(Column("extract")).fetchAll(db).map(\.state) }
    }

    public func schedule(extract: String) throws -> ScheduleState? {
        try read("reading the schedule of \(extract)") { db in try ScheduleRow.fetchOne(db, key: extract)?.state }
    }

    /// Decides and records a schedule's slots in one transaction.
    ///
    /// Dead runs are settled first; then `decide` gets the schedule's progress and whether a
    /// run is in flight or queued, as of this transaction, and returns the decisions and the
    /// new last handled slot. Each decision's run request goes through the same queue as any
    /// trigger (so a CLI run that began a moment ago still turns a scheduled run into a
    /// queued one), each slot is stored with its run, and the progress is saved, all or
    /// nothing: a crash between deciding and recording decides again, never twice.
    @discardableResult
    public func recordScheduleDecisions(
        extract: String, now: Date, isAlive: (String) -> Bool,
        decide: (_ state: ScheduleState, _ runInFlight: Bool, _ runQueued: Bool) throws -> (decisions: [SlotDecisionRecord], lastHandledSlot: Date?)
    ) throws -> [(SlotDecisionRecord, RunRequest?)] {
        try write("recording the schedule decisions of \(extract)") { db in
            guard var row = try ScheduleRow.fetchOne(db, key: extract), row.enabled else { return [] }
            _ = try Self.settleDeadRuns(db, extract: extract, now: now, isAlive: isAlive)
            let running = try Self.activeRun(db, extract: extract, state: .running) != nil
            let queued = try Self.activeRun(db, extract: extract, state: .queued) != nil
            let (decisions, handled) = try decide(row.state, running, queued)
            var recorded: [(SlotDecisionRecord, RunRequest?)] = []
            for var decision in decisions {
                var request: RunRequest?
                if let spec = decision.run {
                    let answer = try Self.requestRun(db, spec, now: now)
                    request = answer
                    // The queue has the last word: a run another process began since the
                    // planner looked turns "ran" into "queued" or "skipped-overlap"; a file
                    // already produced for the slot's date is not produced again.
                    switch answer.outcome {
                    case .skipped:
                        decision.outcome = "skipped-overlap"
                        decision.detail = answer.run.error ?? ""
                    case .queuedBehind where decision.outcome != "queued":
                        decision.outcome = "queued"
                        decision.detail = "run \(answer.inFlight?.id ?? 0) was in flight; this one starts when it ends"
                    case .coalesced:
                        decision.outcome = "queued"
                        decision.detail = "joined run \(answer.run.id ?? 0), already queued"
                    case .joined:
                        decision.detail = "joined run \(answer.run.id ?? 0), in flight for \(answer.run.productionDate)"
                    case .alreadyProduced:
                        decision.outcome = "skipped-produced"
                        decision.detail = "the file for \(answer.run.productionDate) was already produced by run \(answer.run.id ?? 0)"
                    default: break
                    }
                }
                try db.execute(sql: """
                    INSERT INTO schedule_slot (extract, slot_at, local_time, outcome, detail, run_id, decided_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (extract, slot_at) DO NOTHING
                    """, arguments: [extract, decision.slotAt, decision.localTime, decision.outcome, decision.detail,
                                     request?.run.id, now])
                recorded.append((decision, request))
            }
            row.lastHandledSlot = handled
            try row.update(db)
            return recorded
        }
    }

    /// Recorded slots of `extract`, newest first, with their runs' outcomes.
    public func scheduleSlots(extract: String, limit: Int = 50) throws -> [ScheduleSlotRecord] {
        try read("reading the slots of \(extract)") { db in
            try ScheduleSlotRecord.fetchAll(db, sql: """
                SELECT s.id, s.extract, s.slot_at, s.local_time, s.outcome, s.detail, s.run_id, r.state AS run_state, s.decided_at
                FROM schedule_slot s LEFT JOIN extract_run r ON r.id = s.run_id
                WHERE s.extract = ? ORDER BY s.slot_at DESC LIMIT ?
                """, arguments: [extract, limit])
        }
    }
}
