import BusinessCalendar
import Foundation

/// What to do with a slot that comes while a run of the same extract is still going.
public enum OverlapPolicy: String, Sendable, Hashable, CaseIterable {
    /// Queue one run to start when the current one ends; further slots meanwhile are
    /// skipped, so a slow extract never builds up a backlog.
    case queue
    /// Skip the slot.
    case skip

    /// Parses the config/CLI name ("queue", "skip").
    public init(name: String) throws(ScheduleError) {
        guard let policy = Self(rawValue: name.trimmingWhitespace().lowercased()) else {
            throw ScheduleError(.unknownPolicy, input: name, reason:
                "unknown overlap policy \"\(name)\"; valid policies: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = policy
    }
}

/// What to do about slots missed while the service was down.
public enum CatchUpPolicy: String, Sendable, Hashable, CaseIterable {
    /// One run for all missed slots, however many: an extract is a snapshot or a change
    /// set up to now, so running it five times in a row would deliver the same data.
    case runOnce = "run-once"
    /// Record the missed slots and wait for the next one.
    case skipToNext = "skip-to-next"

    /// Parses the config/CLI name ("run-once", "skip-to-next").
    public init(name: String) throws(ScheduleError) {
        guard let policy = Self(rawValue: name.trimmingWhitespace().lowercased()) else {
            throw ScheduleError(.unknownPolicy, input: name, reason:
                "unknown catch-up policy \"\(name)\"; valid policies: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = policy
    }
}

/// The planner's verdict on one slot; each is recorded, so a restart knows the slot is handled.
public enum SlotOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Start a run for this slot now.
    case run
    /// The calendar skips the slot's day (weekend, a named holiday, an excluded date).
    case skippedCalendar(CalendarSkipReason)
    /// A run was in flight (and, under `.queue`, one was already queued): no run.
    case skippedOverlap
    /// A run was in flight: this slot's run starts when that one ends.
    case queued
    /// Start a run now that makes up for missed slots. `missedCount` is the number of
    /// missed slots it stands for, its own slot included when that slot was missed too
    /// (after five missed hourly slots: four `.missed` and one `.caughtUp(missedCount: 5)`).
    case caughtUp(missedCount: Int)
    /// Missed while the service was down; no run of its own.
    case missed

    /// True for the outcomes that start a run now (`.run`, `.caughtUp`).
    public var startsRun: Bool {
        switch self {
        case .run, .caughtUp: true
        default: false
        }
    }

    /// Text for the decision log: "run", "skipped-calendar: holiday: Påskedag", "caught-up (5 missed)".
    public var description: String {
        switch self {
        case .run: "run"
        case .skippedCalendar(let reason): "skipped-calendar: \(reason)"
        case .skippedOverlap: "skipped-overlap"
        case .queued: "queued"
        case .caughtUp(let n): "caught-up (\(n) missed)"
        case .missed: "missed"
        }
    }
}

/// One slot and what the planner decided for it.
public struct SlotDecision: Sendable, Hashable, CustomStringConvertible {
    /// The slot, with its wall-clock time and calendar disposition.
    public let slot: ScheduleSlot
    /// What was decided.
    public let outcome: SlotOutcome

    /// The slot's instant: the key the caller records the decision under.
    public var instant: Date { slot.instant }

    /// "2026-11-23 10:00 queued" (local wall-clock time of the slot).
    public var description: String { "\(slot.date) \(twoDigits(slot.hour)):\(twoDigits(slot.minute)) \(outcome)" }
}

/// Everything the planner decided in one call.
public struct SchedulePlan: Sendable, Hashable {
    /// A decision for every slot after the last handled one (and not before the schedule
    /// was created) up to `now`, in slot order.
    public let decisions: [SlotDecision]
    /// The slot to persist as handled: the last decision's, or the one passed in when
    /// there were no decisions. Feeding it back makes the next call start after it.
    public let lastHandledSlot: Date?
    /// When to call the planner next: the next slot after `now` that the calendar lets
    /// run. Nil only when none exists within `Schedule.searchHorizonYears`, in which case
    /// `nextWakeUpError` says why.
    public let nextWakeUp: Date?
    /// Why there is no `nextWakeUp`, when there is none.
    public let nextWakeUpError: ScheduleError?

    /// The decisions that start a run now (at most one per call).
    public var runsToStart: [SlotDecision] { decisions.filter { $0.outcome.startsRun } }

    /// The decision that queued a run, if this call queued one (at most one).
    public var queuedRun: SlotDecision? { decisions.first { $0.outcome == .queued } }
}

/// Decides, for one extract's schedule, what happens to every slot up to `now`.
///
/// Pure: the clock (`now`) and the recorded state (last handled slot, whether a run is in
/// flight or queued) are passed in, and nothing is remembered between calls. That is what
/// makes restarts safe: the caller commits every decision with the new last handled slot
/// in one transaction, and calling again with that state yields no new decisions, so no
/// slot is run twice however often the planner is called or the process restarted.
public struct SchedulerPlanner: Sendable {
    /// The schedule whose slots are decided.
    public let schedule: Schedule
    /// When the schedule was created (or last changed): earlier slots are never planned.
    public let createdAt: Date
    /// What a slot during a run does.
    public var overlap: OverlapPolicy
    /// What slots missed during downtime do.
    public var catchUp: CatchUpPolicy
    /// How late a slot may be decided and still count as on time rather than missed.
    /// The wake-up is never exact (timer slack, a busy store, a suspended VM); five
    /// minutes separates that from the service having been down.
    public var lateTolerance: TimeInterval

    /// A planner for one extract's schedule; the defaults are the safe choice for
    /// extracts (never pile up runs, never silently drop a day's data).
    public init(schedule: Schedule, createdAt: Date, overlap: OverlapPolicy = .queue,
                catchUp: CatchUpPolicy = .runOnce, lateTolerance: TimeInterval = 300) {
        self.schedule = schedule
        self.createdAt = createdAt
        self.overlap = overlap
        self.catchUp = catchUp
        self.lateTolerance = lateTolerance
    }

    /// Decides every slot after `lastHandledSlot` (from `createdAt` when nil) up to `now`.
    ///
    /// - Parameters:
    ///   - now: the injected clock's current time.
    ///   - lastHandledSlot: the instant of the last slot already recorded, or nil.
    ///   - runInFlight: a run of this extract is executing (true after a crash in the
    ///     middle of a run until the caller has settled that run).
    ///   - runQueued: a queued run is waiting. It counts as occupying the extract: a new
    ///     slot is then skipped, never queued a second time nor run beside it.
    public func plan(now: Date, lastHandledSlot: Date?, runInFlight: Bool, runQueued: Bool = false) -> SchedulePlan {
        let candidates: ScheduleSlots
        if let lastHandledSlot, lastHandledSlot >= createdAt {
            candidates = schedule.slots(after: lastHandledSlot)
        } else {
            candidates = schedule.slots(from: createdAt)
        }
        var slots: [ScheduleSlot] = []
        for slot in candidates {
            guard slot.instant <= now else { break }
            slots.append(slot)
        }

        var outcomes: [SlotOutcome?] = Array(repeating: nil, count: slots.count)
        var missed: [Int] = []
        var due: [Int] = []
        for (i, slot) in slots.enumerated() {
            if case .skipped(let reason) = slot.disposition {
                outcomes[i] = .skippedCalendar(reason)
            } else if now.timeIntervalSince(slot.instant) > lateTolerance {
                missed.append(i)
                outcomes[i] = .missed
            } else {
                due.append(i)
            }
        }

        var inFlight = runInFlight
        var queued = runQueued
        func launch(catchingUp missedCount: Int?) -> SlotOutcome {
            if !inFlight && !queued {
                inFlight = true
                return missedCount.map { .caughtUp(missedCount: $0) } ?? .run
            }
            if overlap == .queue && !queued {
                queued = true
                return .queued
            }
            return .skippedOverlap
        }

        // Under run-once, the missed slots ride on the first on-time run if there is one
        // (a separate catch-up right before it would extract the same data twice);
        // otherwise the last missed slot carries the catch-up.
        var carry: Int? = nil
        if catchUp == .runOnce, let lastMissed = missed.last {
            if due.isEmpty {
                outcomes[lastMissed] = launch(catchingUp: missed.count)
            } else {
                carry = missed.count
            }
        }
        for i in due {
            outcomes[i] = launch(catchingUp: carry)
            carry = nil
        }

        let decisions = zip(slots, outcomes).map { SlotDecision(slot: $0, outcome: $1!) }
        let handled = decisions.last?.instant ?? lastHandledSlot

        var wakeUp: Date? = nil
        var wakeUpError: ScheduleError? = nil
        do {
            let from = createdAt > now ? createdAt.addingTimeInterval(-0.001) : now
            wakeUp = try schedule.nextRun(after: max(from, handled ?? from))
        } catch {
            wakeUpError = error
        }
        return SchedulePlan(decisions: decisions, lastHandledSlot: handled,
                            nextWakeUp: wakeUp, nextWakeUpError: wakeUpError)
    }
}
