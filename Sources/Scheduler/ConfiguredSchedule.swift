import BusinessCalendar
import Foundation
import Scheduling
import Store

/// Turns a stored schedule (strings, as configured) into the planner that decides its
/// slots. The configuration checked every field when it was applied; this fails only for
/// a database edited by hand or written by an older version.
public struct ConfiguredSchedule: Sendable {
    public let state: ScheduleState
    public let schedule: Schedule
    public let planner: SchedulerPlanner

    public init(_ state: ScheduleState) throws(ScheduleError) {
        let s = state.schedule
        let calendar = try ScheduleCalendar(named: s.calendar, holidays: DanishHolidays(constitutionDayIsHoliday: s.constitutionDay),
                                            including: s.include, excluding: s.exclude)
        schedule = try Schedule(cron: s.cron, timeZone: s.timeZone, calendar: calendar)
        planner = SchedulerPlanner(schedule: schedule, createdAt: state.createdAt,
                                   overlap: try OverlapPolicy(name: s.overlap), catchUp: try CatchUpPolicy(name: s.catchUp))
        self.state = state
    }

    /// The records to store for `plan`'s decisions: one per slot, with a run request for
    /// the slots that start or queue a run. A scheduled run produces the data of its slot's
    /// local date.
    public func records(for decisions: [SlotDecision]) -> [SlotDecisionRecord] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = schedule.timeZone
        return decisions.map { decision in
            let slot = decision.slot
            // The wall-clock time the slot actually happens at (03:00 for a 02:30 slot
            // moved out of the spring gap), which is what an operator compares with logs.
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: slot.instant)
            let local = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
            func request(_ trigger: RunTrigger) -> RunRequestSpec {
                RunRequestSpec(extract: state.schedule.extract, trigger: trigger, productionDate: slot.date.description,
                               requestedBy: "scheduler", slotAt: slot.instant, skipWhenBusy: planner.overlap == .skip)
            }
            var dst = ""
            switch slot.dstAdjustment {
            case .none: break
            case .movedOutOfGap: dst = "moved out of the daylight-saving gap"
            case .firstOfRepeated: dst = "first of the repeated hour"
            }
            switch decision.outcome {
            case .run:
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: SlotOutcomeName.ran, detail: dst,
                                          run: request(.schedule))
            case .caughtUp(let missed):
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: SlotOutcomeName.caughtUp,
                                          detail: "one run for \(missed) missed slot\(missed == 1 ? "" : "s")", run: request(.catchUp))
            case .queued:
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: SlotOutcomeName.queued,
                                          detail: "a run was in flight; this one starts when it ends", run: request(.schedule))
            case .skippedOverlap:
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: SlotOutcomeName.skippedOverlap,
                                          detail: planner.overlap == .skip ? "a run was in flight (overlap: skip)"
                                              : "a run was in flight and another already queued")
            case .skippedCalendar(let reason):
                let outcome = switch reason {
                case .holiday: SlotOutcomeName.skippedHoliday
                case .weekend: SlotOutcomeName.skippedWeekend
                case .excludedDate: SlotOutcomeName.skippedExcluded
                }
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: outcome, detail: "\(reason)")
            case .missed:
                return SlotDecisionRecord(slotAt: slot.instant, localTime: local, outcome: SlotOutcomeName.missed,
                                          detail: planner.catchUp == .skipToNext ? "not decided on time: the service was down or the clock jumped (catch_up: skip-to-next)"
                                              : "not decided on time: the service was down or the clock jumped; covered by the catch-up run")
            }
        }
    }
}

/// The outcome names stored in `schedule_slot` and shown by `udtraek schedule history`.
public enum SlotOutcomeName {
    public static let ran = "ran"
    public static let caughtUp = "caught-up"
    public static let queued = "queued"
    public static let skippedOverlap = "skipped-overlap"
    /// The slot's production date already had its file (a manual or API run); the run
    /// queue does not produce the same file twice without an explicit re-run.
    public static let skippedProduced = "skipped-produced"
    public static let skippedHoliday = "skipped-holiday"
    public static let skippedWeekend = "skipped-weekend"
    public static let skippedExcluded = "skipped-excluded"
    public static let missed = "missed"
}
