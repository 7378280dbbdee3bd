import BusinessCalendar
import Extracts
import Foundation
import Scheduler
import Store
import Testing
import UdtraekTesting

/// The scheduler against a real SQLite store, with an injected clock.
@Suite struct SchedulerTests {
    static let businessDays = """
        cron: "15 6 * * *"
        calendar: business-days
        """

    @Test func slotsAreDecidedOnceWithTheCalendarAppliedAndRecorded() async throws {
        // Created Friday 2026-12-18 at noon; decided on Monday 28 December 06:16 with
        // catch-up run-once: the weekend, Christmas Eve/Day and the weekend after are
        // calendar skips, the working days in between are missed, one catch-up run.
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: Self.businessDays), at: copenhagen("2026-12-18 12:00"))
        defer { fx.tearDown() }
        let scheduler = fx.scheduler()
        fx.time.advance(toDate: copenhagen("2026-12-21 06:15"))
        scheduler.decideDueSlots(now: fx.time.date)
        #expect(scheduler.startClaimableRuns().count == 1)
        await scheduler.waitForRuns()
        fx.time.advance(toDate: copenhagen("2026-12-28 06:16"))
        scheduler.decideDueSlots(now: fx.time.date)
        let slots = try fx.slots()
        #expect(slots == [
            "2026-12-19 06:15 skipped-weekend", "2026-12-20 06:15 skipped-weekend", "2026-12-21 06:15 ran",
            "2026-12-22 06:15 missed", "2026-12-23 06:15 missed", "2026-12-24 06:15 skipped-holiday",
            "2026-12-25 06:15 skipped-holiday", "2026-12-26 06:15 skipped-weekend", "2026-12-27 06:15 skipped-weekend",
            "2026-12-28 06:15 caught-up",
        ])
        // Asking again at the same time decides nothing new and queues nothing more.
        #expect(scheduler.decideDueSlots(now: fx.time.date).allSatisfy { $0.decisions.isEmpty })
        let runs = try fx.store.runs()
        #expect(runs.map(\.trigger) == [.catchUp, .schedule])
        #expect(runs.first?.productionDate == "2026-12-28")
        let detail = try fx.store.scheduleSlots(extract: "kbh-changes", limit: 1).first?.detail
        #expect(detail == "one run for 2 missed slots")
    }

    @Test func neverASlotFromBeforeTheScheduleExisted() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"*/10 * * * *\""), at: copenhagen("2026-11-23 10:05"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-23 10:12"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        #expect(try fx.slots() == ["2026-11-23 10:10 ran"])
    }

    @Test func changingAScheduleStartsItAgainFromNow() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 * * * *\""), at: copenhagen("2026-11-23 08:30"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-23 11:30"))
        // Changed at 11:30 before the scheduler looked: the old rule's missed slots are not run.
        try fx.apply(SchedulerFixture.config(schedule: "cron: \"0 * * * *\"\ncatch_up: skip-to-next"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        #expect(try fx.slots().isEmpty)
        // Re-applying the same settings keeps the progress.
        fx.time.advance(toDate: copenhagen("2026-11-23 12:01"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        try fx.apply(SchedulerFixture.config(schedule: "cron: \"0 * * * *\"\ncatch_up: skip-to-next"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        #expect(try fx.slots() == ["2026-11-23 12:00 ran"])
    }

    @Test func aSlotDuringARunIsQueuedOnceThenSkipped() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"*/5 * * * *\""), at: copenhagen("2026-11-23 09:59"))
        defer { fx.tearDown() }
        let runner = fx.runner()
        // A manual backfill of another day in flight in this (live) process.
        let manual = try runner.request("kbh-changes", date: CivilDate(iso: "2026-11-20"), trigger: .manual, actor: "ops")
        #expect(manual.outcome == .accepted)
        _ = try #require(try runner.claim(manual.run.id!))
        let scheduler = fx.scheduler()
        for time in ["10:00", "10:05", "10:10"] {
            fx.time.advance(toDate: copenhagen("2026-11-23 \(time)"))
            scheduler.decideDueSlots(now: fx.time.date)
        }
        #expect(try fx.slots() == ["2026-11-23 10:00 queued", "2026-11-23 10:05 skipped-overlap", "2026-11-23 10:10 skipped-overlap"])
        let active = try fx.store.activeRuns(extract: "kbh-changes")
        #expect(active.running?.id == manual.run.id)
        #expect(try fx.store.runs(state: .queued).count == 1)
        // Another trigger meanwhile joins the queued run instead of adding one.
        let again = try runner.request("kbh-changes", date: CivilDate(iso: "2026-11-23"), trigger: .api, actor: "api:x")
        #expect(again.outcome == .coalesced)
        #expect(again.run.id == active.queued?.id)
        #expect(try fx.store.runs(state: .queued).count == 1)
    }

    @Test func overlapSkipRecordsTheSkippedRun() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"*/5 * * * *\"\noverlap: skip"),
                                      at: copenhagen("2026-11-23 09:59"))
        defer { fx.tearDown() }
        let runner = fx.runner()
        let manual = try runner.request("kbh-changes", date: CivilDate(iso: "2026-11-20"), trigger: .manual, actor: "ops")
        _ = try #require(try runner.claim(manual.run.id!))
        fx.time.advance(toDate: copenhagen("2026-11-23 10:00"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        #expect(try fx.slots() == ["2026-11-23 10:00 skipped-overlap"])
        #expect(try fx.store.runs(state: .queued).isEmpty)
    }

    @Test func catchUpSkipToNextRunsNothingForMissedSlots() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 * * * *\"\ncatch_up: skip-to-next"),
                                      at: copenhagen("2026-11-23 07:30"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-23 11:30"))
        let missing = Captured()
        let scheduler = fx.scheduler()
        scheduler.extractNotProduced = { extract, slot, reason in missing.add("\(extract) \(slot) \(reason)") }
        scheduler.decideDueSlots(now: fx.time.date)
        // Each slot without its file is reported for the missing-extract alarm.
        #expect(missing.items.count == 4)
        #expect(missing.items.first?.contains("skip-to-next") == true)
        #expect(try fx.slots() == ["2026-11-23 08:00 missed", "2026-11-23 09:00 missed", "2026-11-23 10:00 missed",
                                   "2026-11-23 11:00 missed"])
        #expect(try fx.store.runs().isEmpty)
    }

    @Test func aRestartInTheMiddleOfARunSettlesItAndRunsTheSlotAgainOnce() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 6 * * *\""), at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-23 06:00"))
        fx.scheduler().decideDueSlots(now: fx.time.date)
        // The process that claimed the scheduled run died while producing it.
        let queued = try #require(try fx.store.runs(state: .queued).first)
        let claimed = try #require(try fx.store.claimRun(id: queued.id!, owner: deadOwner, now: fx.time.date, isAlive: { _ in true }))
        #expect(claimed.state == .running)

        // The new process starts: the dead run fails, the slot's run is queued again once.
        fx.time.advance(toDate: copenhagen("2026-11-23 06:03"))
        let report = try fx.runner().recoverAtStartup()
        #expect(report.contains { $0.contains("interrupted") })
        #expect(try fx.store.run(id: queued.id!)?.state == .failed)
        let recovery = try fx.store.runs(state: .queued)
        #expect(recovery.count == 1)
        #expect(recovery.first?.trigger == .recovery)
        #expect(recovery.first?.productionDate == "2026-11-23")
        // Deciding again adds no slot and no run; a second recovery pass adds nothing.
        fx.scheduler().decideDueSlots(now: fx.time.date)
        _ = try fx.runner().recoverAtStartup()
        #expect(try fx.slots() == ["2026-11-23 06:00 ran"])
        #expect(try fx.store.runs(state: .queued).count == 1)
    }

    @Test func aRunOfADeadProcessDoesNotBlockTheExtract() throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 6 * * *\""), at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        let runner = fx.runner()
        let first = try runner.request("kbh-changes", trigger: .manual, actor: "ops")
        _ = try fx.store.claimRun(id: first.run.id!, owner: deadOwner, now: fx.time.date, isAlive: { _ in true })
        // Without a restart: the next request sees the owner is gone and starts at once.
        let second = try runner.request("kbh-changes", date: CivilDate(iso: "2026-11-20"), trigger: .manual, actor: "ops")
        #expect(second.outcome == .accepted)
        #expect(try fx.store.run(id: first.run.id!)?.state == .failed)
        // A manual run is not run again on its own: its caller saw it fail.
        #expect(try fx.store.runs(state: .queued).map(\.id) == [second.run.id])
    }

    @Test func scheduledRunsAreProducedAndTheirOutcomeShowsOnTheSlot() async throws {
        // 2026-11-23 is a Monday; a change extract for it is produced at 06:15.
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: Self.businessDays), at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-23 06:15"))
        let scheduler = fx.scheduler()
        scheduler.decideDueSlots(now: fx.time.date)
        let started = scheduler.startClaimableRuns()
        #expect(started.count == 1)
        await scheduler.waitForRuns()
        let slot = try #require(try fx.store.scheduleSlots(extract: "kbh-changes").first)
        #expect(slot.outcome == "ran")
        #expect(slot.runState == "produced")
        let run = try #require(try fx.store.run(id: slot.runId!))
        #expect(run.trigger == .schedule)
        #expect(run.requestedBy == "scheduler")
        #expect(run.slotAt == copenhagen("2026-11-23 06:15"))
        #expect(run.outboxId != nil)
        #expect((run.duration ?? -1) >= 0)
        #expect(scheduler.startClaimableRuns().isEmpty)
    }

    @Test func aScheduledRunThatIsRefusedIsReportedAsNotProduced() async throws {
        // A change extract on a Saturday is refused (no change files on non-business days).
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 6 * * *\""), at: copenhagen("2026-11-27 12:00"))
        defer { fx.tearDown() }
        fx.time.advance(toDate: copenhagen("2026-11-28 06:00"))
        let missing = Captured()
        let scheduler = fx.scheduler()
        scheduler.extractNotProduced = { extract, _, reason in missing.add("\(extract): \(reason)") }
        scheduler.decideDueSlots(now: fx.time.date)
        scheduler.startClaimableRuns()
        await scheduler.waitForRuns()
        #expect(try fx.store.scheduleSlots(extract: "kbh-changes").first?.runState == "refused")
        #expect(missing.items.count == 1)
        #expect(missing.items.first?.hasPrefix("kbh-changes: run 1 refused") == true, "\(missing.items)")
    }

    @Test func aStopPutsTheRunBackInTheQueue() async throws {
        let fx = try SchedulerFixture(SchedulerFixture.bigStatus, at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        let runner = fx.runner()
        let request = try runner.request("kbh-status", trigger: .api, actor: "api:t")
        let scheduler = fx.scheduler()
        #expect(scheduler.startClaimableRuns().map(\.id) == [request.run.id])
        try #require(await eventually { fx.aRunIsWriting }, "the run never started writing")
        await scheduler.stop()
        try fx.expectBackInTheQueue(request.run.id)
        #expect(scheduler.runningExtracts.isEmpty)
    }

    @Test func daylightSavingSlotsRunOnceEach() throws {
        // 02:30 does not exist on 29 March 2026 (moved to 03:00) and happens twice on
        // 25 October 2026 (runs once, at the first).
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"30 2 * * *\""), at: copenhagen("2026-03-28 12:00"))
        defer { fx.tearDown() }
        let scheduler = fx.scheduler()
        for time in ["2026-03-29 01:00", "2026-03-29 03:01", "2026-03-29 04:00"] {
            fx.time.advance(toDate: copenhagen(time))
            scheduler.decideDueSlots(now: fx.time.date)
        }
        let spring = try fx.slots()
        #expect(spring == ["2026-03-29 03:00 ran"], "\(spring)")
        let slot = try #require(try fx.store.scheduleSlots(extract: "kbh-changes").first)
        #expect(slot.detail == "moved out of the daylight-saving gap")

        let autumn = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"30 2 * * *\""), at: copenhagen("2026-10-24 12:00"))
        defer { autumn.tearDown() }
        let first = Date(timeIntervalSince1970: 1_792_888_200)  // 2026-10-25 00:30 UTC = 02:30 CEST
        for offset in [0.0, 60, 3600, 3660, 7200] {
            autumn.time.advance(toDate: first.addingTimeInterval(offset))
            autumn.scheduler().decideDueSlots(now: autumn.time.date)
        }
        let slots = try autumn.store.scheduleSlots(extract: "kbh-changes")
        #expect(slots.count == 1)
        #expect(slots.first?.slotAt == first)
    }
}

/// Collects what a hook was called with, across threads.
final class Captured: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.withLock { values.append(value) } }
    var items: [String] { lock.withLock { values } }
}
