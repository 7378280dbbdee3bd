import BusinessCalendar
import Foundation
import Testing
@testable import Scheduling

/// The state the caller keeps in SQLite between planner calls, updated the way the
/// scheduler service will: record every decision, start runs, finish them.
private struct RecordedState {
    var lastHandled: Date? = nil
    var inFlight = false
    var queued = false
    var decided: [Date: SlotOutcome] = [:]
    var runsStarted = 0

    mutating func record(_ plan: SchedulePlan) {
        for decision in plan.decisions {
            #expect(decided[decision.instant] == nil, "slot \(decision) decided twice")
            decided[decision.instant] = decision.outcome
            if decision.outcome.startsRun {
                #expect(!inFlight, "a run started beside one in flight")
                inFlight = true
                runsStarted += 1
            }
            if decision.outcome == .queued { queued = true }
        }
        lastHandled = plan.lastHandledSlot
    }

    /// The run in flight ends; a queued run (if any) starts in its place.
    mutating func finishRun() {
        inFlight = false
        if queued {
            queued = false
            inFlight = true
            runsStarted += 1
        }
    }

    func plan(_ planner: SchedulerPlanner, at now: Date) -> SchedulePlan {
        planner.plan(now: now, lastHandledSlot: lastHandled, runInFlight: inFlight, runQueued: queued)
    }
}

@Suite("Scheduler planner")
struct SchedulerPlannerTests {
    let hourly = try! Schedule(cron: "0 * * * *")
    let created = utc("2026-11-23T08:30Z")

    private func outcomes(_ plan: SchedulePlan) -> [String] {
        plan.decisions.map { "\(local($0.instant).suffix(5)) \($0.outcome)" }
    }

    @Test("no slot before the schedule was created; the next wake-up is the next slot")
    func noSlotBeforeCreation() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created)
        let early = planner.plan(now: utc("2026-11-23T08:59Z"), lastHandledSlot: nil, runInFlight: false)
        #expect(early.decisions.isEmpty)
        #expect(early.lastHandledSlot == nil)
        #expect(early.nextWakeUp == utc("2026-11-23T09:00Z"))
        let onTime = planner.plan(now: utc("2026-11-23T09:00:02Z"), lastHandledSlot: nil, runInFlight: false)
        #expect(outcomes(onTime) == ["10:00 run"])
        #expect(onTime.lastHandledSlot == utc("2026-11-23T09:00Z"))
        #expect(onTime.nextWakeUp == utc("2026-11-23T10:00Z"))
        // Even hours after creation, with nothing handled yet, 08:00 is never planned.
        let late = planner.plan(now: utc("2026-11-23T11:30Z"), lastHandledSlot: nil, runInFlight: false)
        #expect(late.decisions.first?.instant == utc("2026-11-23T09:00Z"))
        // A schedule created exactly on a slot includes that slot.
        let onSlot = SchedulerPlanner(schedule: hourly, createdAt: utc("2026-11-23T09:00Z"))
        #expect(outcomes(onSlot.plan(now: utc("2026-11-23T09:00:01Z"), lastHandledSlot: nil, runInFlight: false)) == ["10:00 run"])
        // A schedule created in the future wakes at its first slot, not before.
        let future = SchedulerPlanner(schedule: hourly, createdAt: utc("2026-11-24T12:00Z"))
        #expect(future.plan(now: utc("2026-11-23T09:00Z"), lastHandledSlot: nil, runInFlight: false).nextWakeUp == utc("2026-11-24T12:00Z"))
    }

    @Test("overlap .queue: a slot during a run is queued once, never doubled, even if called twice")
    func queueOnce() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, overlap: .queue)
        var state = RecordedState(lastHandled: utc("2026-11-23T09:00Z"), inFlight: true)
        let first = state.plan(planner, at: utc("2026-11-23T10:00:01Z"))
        #expect(outcomes(first) == ["11:00 queued"])
        #expect(first.runsToStart.isEmpty)
        #expect(first.queuedRun?.instant == utc("2026-11-23T10:00Z"))
        // Called again before recording: the same answer (pure), not a second queue entry.
        #expect(state.plan(planner, at: utc("2026-11-23T10:00:01Z")) == first)
        state.record(first)
        // Called again with the recorded state: nothing new.
        #expect(state.plan(planner, at: utc("2026-11-23T10:00:30Z")).decisions.isEmpty)
        // Next slot, still running and one already queued: skipped, not queued twice.
        let second = state.plan(planner, at: utc("2026-11-23T11:00:01Z"))
        #expect(outcomes(second) == ["12:00 skipped-overlap"])
        state.record(second)
        state.finishRun()  // the queued run starts
        #expect(state.runsStarted == 1)
        let third = state.plan(planner, at: utc("2026-11-23T12:00:01Z"))
        #expect(outcomes(third) == ["13:00 queued"])
    }

    @Test("overlap .skip: a slot during a run is skipped")
    func skipOverlap() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, overlap: .skip)
        var state = RecordedState(lastHandled: utc("2026-11-23T09:00Z"), inFlight: true)
        let plan = state.plan(planner, at: utc("2026-11-23T10:00:01Z"))
        #expect(outcomes(plan) == ["11:00 skipped-overlap"])
        state.record(plan)
        #expect(state.plan(planner, at: utc("2026-11-23T10:00:01Z")).decisions.isEmpty)
        state.finishRun()
        #expect(outcomes(state.plan(planner, at: utc("2026-11-23T11:00:01Z"))) == ["12:00 run"])
    }

    @Test("a queued run that has not started yet still occupies the extract")
    func queuedButNotInFlight() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, overlap: .queue)
        let plan = planner.plan(now: utc("2026-11-23T10:00:01Z"), lastHandledSlot: utc("2026-11-23T09:00Z"),
                                runInFlight: false, runQueued: true)
        #expect(outcomes(plan) == ["11:00 skipped-overlap"])
    }

    @Test("downtime over five slots, run-once: one catch-up run standing for all five")
    func downtimeRunOnce() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, catchUp: .runOnce)
        var state = RecordedState(lastHandled: utc("2026-11-23T09:00Z"))
        let plan = state.plan(planner, at: utc("2026-11-23T14:30Z"))
        #expect(outcomes(plan) == ["11:00 missed", "12:00 missed", "13:00 missed", "14:00 missed", "15:00 caught-up (5 missed)"])
        #expect(plan.runsToStart.count == 1)
        #expect(plan.nextWakeUp == utc("2026-11-23T15:00Z"))
        state.record(plan)
        #expect(state.plan(planner, at: utc("2026-11-23T14:30Z")).decisions.isEmpty)
        #expect(state.plan(planner, at: utc("2026-11-23T14:59Z")).decisions.isEmpty)
    }

    @Test("downtime ending right at a slot: the on-time run makes up for the missed ones")
    func downtimeEndingOnSlot() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, catchUp: .runOnce)
        let plan = planner.plan(now: utc("2026-11-23T14:00:30Z"), lastHandledSlot: utc("2026-11-23T09:00Z"), runInFlight: false)
        #expect(outcomes(plan) == ["11:00 missed", "12:00 missed", "13:00 missed", "14:00 missed", "15:00 caught-up (4 missed)"])
        #expect(plan.runsToStart.count == 1)
        let skipping = SchedulerPlanner(schedule: hourly, createdAt: created, catchUp: .skipToNext)
        let plain = skipping.plan(now: utc("2026-11-23T14:00:30Z"), lastHandledSlot: utc("2026-11-23T09:00Z"), runInFlight: false)
        #expect(outcomes(plain) == ["11:00 missed", "12:00 missed", "13:00 missed", "14:00 missed", "15:00 run"])
    }

    @Test("downtime over five slots, skip-to-next: no run, all five recorded missed")
    func downtimeSkipToNext() {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, catchUp: .skipToNext)
        var state = RecordedState(lastHandled: utc("2026-11-23T09:00Z"))
        let plan = state.plan(planner, at: utc("2026-11-23T14:30Z"))
        #expect(outcomes(plan) == ["11:00 missed", "12:00 missed", "13:00 missed", "14:00 missed", "15:00 missed"])
        #expect(plan.runsToStart.isEmpty)
        state.record(plan)
        #expect(outcomes(state.plan(planner, at: utc("2026-11-23T15:00:01Z"))) == ["16:00 run"])
    }

    @Test("restart in the middle of a run: the in-flight run is not doubled", arguments: [
        (OverlapPolicy.queue, "15:00 queued"), (.skip, "15:00 skipped-overlap"),
    ])
    func restartMidRun(overlap: OverlapPolicy, last: String) {
        let planner = SchedulerPlanner(schedule: hourly, createdAt: created, overlap: overlap, catchUp: .runOnce)
        // The process died at 09:10 during the 09:00 run and comes back at 14:30; the store
        // still marks that run in flight.
        var state = RecordedState(lastHandled: utc("2026-11-23T09:00Z"), inFlight: true)
        let plan = state.plan(planner, at: utc("2026-11-23T14:30Z"))
        #expect(outcomes(plan) == ["11:00 missed", "12:00 missed", "13:00 missed", "14:00 missed", last])
        #expect(plan.runsToStart.isEmpty)
        state.record(plan)
        // A second restart with the recorded state: nothing new.
        #expect(state.plan(planner, at: utc("2026-11-23T14:31Z")).decisions.isEmpty)
        // And an on-time slot while still in flight is not a second run either.
        let on = state.plan(planner, at: utc("2026-11-23T15:00:01Z"))
        #expect(on.runsToStart.isEmpty)
    }

    @Test("calendar-skipped slots are recorded with the reason and never counted as missed")
    func calendarInPlanner() throws {
        let schedule = try Schedule(cron: "0 7 * * *", calendar: .businessDays())
        let planner = SchedulerPlanner(schedule: schedule, createdAt: utc("2026-03-30T00:00Z"), catchUp: .runOnce)
        // Down from before Easter until Tuesday after Easter at 07:00:10.
        let plan = planner.plan(now: utc("2026-04-07T05:00:10Z"), lastHandledSlot: utc("2026-04-01T05:00Z"), runInFlight: false)
        #expect(plan.decisions.map { "\($0.slot.date) \($0.outcome)" } == [
            "2026-04-02 skipped-calendar: holiday: Skærtorsdag",
            "2026-04-03 skipped-calendar: holiday: Langfredag",
            "2026-04-04 skipped-calendar: weekend (Saturday)",
            "2026-04-05 skipped-calendar: weekend (Sunday)",
            "2026-04-06 skipped-calendar: holiday: 2. påskedag",
            "2026-04-07 run",
        ])
        #expect(plan.nextWakeUp == utc("2026-04-08T05:00Z"))
    }

    @Test("a schedule the calendar never lets run: no wake-up, and the reason")
    func neverWakes() throws {
        let schedule = try Schedule(cron: "0 12 * * sat,sun", calendar: .businessDays())
        let plan = SchedulerPlanner(schedule: schedule, createdAt: created).plan(now: utc("2026-11-23T09:00Z"), lastHandledSlot: nil, runInFlight: false)
        #expect(plan.nextWakeUp == nil)
        #expect(plan.nextWakeUpError?.code == .neverRuns)
    }

    @Test("simulated day of calls: every slot decided exactly once, runs never overlap",
          arguments: [OverlapPolicy.queue, .skip], [CatchUpPolicy.runOnce, .skipToNext])
    func simulation(overlap: OverlapPolicy, catchUp: CatchUpPolicy) throws {
        let schedule = try Schedule(cron: "*/10 * * * *")
        let start = utc("2026-10-24T20:00Z")  // spans the autumn transition
        let planner = SchedulerPlanner(schedule: schedule, createdAt: start, overlap: overlap, catchUp: catchUp)
        var state = RecordedState()
        var now = start
        var step = 0
        let end = start.addingTimeInterval(12 * 3600)
        while now < end {
            step += 1
            let plan = state.plan(planner, at: now)
            state.record(plan)
            // Calling again at once with the recorded state is a no-op.
            #expect(state.plan(planner, at: now).decisions.isEmpty)
            // Runs take 25 minutes; every 7th step the process is down for 75 minutes.
            if state.inFlight && step % 3 == 0 { state.finishRun() }
            now = now.addingTimeInterval(step % 7 == 0 ? 75 * 60 : Double(60 + (step * 37) % 240))
        }
        let expected = Array(schedule.slots(from: start).prefix { $0.instant <= state.lastHandled! })
        #expect(state.decided.count == expected.count)
        #expect(Set(state.decided.keys) == Set(expected.map(\.instant)))
    }

    @Test("policies parse from config names")
    func policyNames() throws {
        #expect(try OverlapPolicy(name: "queue") == .queue)
        #expect(try OverlapPolicy(name: "Skip") == .skip)
        #expect(try CatchUpPolicy(name: "run-once") == .runOnce)
        #expect(try CatchUpPolicy(name: "skip-to-next") == .skipToNext)
        let bad = scheduleError { _ = try CatchUpPolicy(name: "all") }
        #expect(bad?.message == "unknown catch-up policy \"all\"; valid policies: run-once, skip-to-next")
        #expect(scheduleError { _ = try OverlapPolicy(name: "parallel") }?.code == .unknownPolicy)
    }
}
