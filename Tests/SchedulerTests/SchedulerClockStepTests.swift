import Extracts
import Foundation
import Scheduler
import Store
import Testing
import UdtraekTesting

/// Fault: the system clock steps forward an hour (issue 15, item 4). The slots inside the
/// skipped hour are handled once by the catch-up policy (one run, not one per slot), and
/// no date is produced twice.
@Suite struct SchedulerClockStepTests {
    @Test func aStepOfAnHourIsOneCatchUpNotOneRunPerMissedSlot() async throws {
        // Every 10 minutes; Monday 23 November 23:40 runs, then the clock jumps to Tuesday 00:40.
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"*/10 * * * *\""), at: copenhagen("2026-11-23 23:35"))
        defer { fx.tearDown() }
        let scheduler = fx.scheduler()
        fx.time.advance(toDate: copenhagen("2026-11-23 23:40"))
        scheduler.decideDueSlots(now: fx.time.date)
        #expect(scheduler.startClaimableRuns().count == 1)
        await scheduler.waitForRuns()

        fx.time.stepWallClock(by: 3600)
        scheduler.decideDueSlots(now: fx.time.date)
        #expect(try fx.slots() == [
            "2026-11-23 23:40 ran", "2026-11-23 23:50 missed", "2026-11-24 00:00 missed", "2026-11-24 00:10 missed",
            "2026-11-24 00:20 missed", "2026-11-24 00:30 missed", "2026-11-24 00:40 caught-up",
        ])
        #expect(scheduler.startClaimableRuns().count == 1, "one catch-up run for the whole hour")
        await scheduler.waitForRuns()
        // Deciding again at the same moment adds nothing; the next slot, of the same
        // production date, does not produce that date again.
        #expect(scheduler.decideDueSlots(now: fx.time.date).allSatisfy { $0.decisions.isEmpty })
        fx.time.advance(by: .seconds(600))
        scheduler.decideDueSlots(now: fx.time.date)
        #expect(scheduler.startClaimableRuns().isEmpty)
        let runs = try fx.store.runs()
        #expect(runs.count == 2, "\(runs.map { "\($0.trigger) \($0.productionDate) \($0.state)" })")
        #expect(runs.allSatisfy { $0.state == .produced })
        #expect(Set(runs.map(\.productionDate)) == ["2026-11-23", "2026-11-24"], "each date once")
        #expect(try fx.store.outbox().count == 2)
    }
}
