import Extracts
import Foundation
import Logging
import Runtime
import Scheduler
import ServiceLifecycle
import Store
import Testing
import UdtraekTesting

/// The scheduler as the service `serve` runs, on a manual clock: it sleeps until the next
/// slot, wakes early when nudged, and stops on graceful shutdown and on cancellation.
@Suite struct SchedulerServiceTests {
    @Test func theServiceSleepsUntilTheNextSlotOnItsClock() async throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"*/10 * * * *\"", kind: "status"),
                                      at: copenhagen("2026-11-23 10:05"))
        defer { fx.tearDown() }
        let scheduler = fx.scheduler(idlePoll: .seconds(3600))
        let service = Task { try await scheduler.run() }
        // First pass: nothing is due; the service sleeps until 10:10.
        await fx.time.waitForSleepers(atLeast: 1)
        #expect(try fx.slots().isEmpty)
        // Five minutes on, far short of the hour's idle poll: the slot's time wakes it.
        fx.time.advance(toDate: copenhagen("2026-11-23 10:10"))
        let produced = try await eventually { try fx.store.runs(state: .produced).count == 1 }
        #expect(produced, "\((try? fx.store.runs().map(\.state)) ?? [])")
        #expect(try fx.slots() == ["2026-11-23 10:10 ran"])
        service.cancel()
        try await service.value
    }

    @Test func aNudgeStartsAQueuedRunWithoutWaitingForThePoll() async throws {
        let fx = try SchedulerFixture(SchedulerFixture.config(schedule: "cron: \"0 2 1 * *\"", kind: "status"),
                                      at: copenhagen("2026-11-23 10:00"))
        defer { fx.tearDown() }
        let scheduler = fx.scheduler(idlePoll: .seconds(3600))
        let service = Task { try await scheduler.run() }
        await fx.time.waitForSleepers(atLeast: 1)
        // Queued through the API while the service sleeps for an hour; the clock stands still.
        let request = try fx.runner().request("kbh-changes", trigger: .api, actor: "api:t")
        #expect(request.outcome == .accepted)
        scheduler.nudge()
        let produced = try await eventually { try fx.store.run(id: request.run.id!)?.state == .produced }
        #expect(produced, "\(String(describing: try? fx.store.run(id: request.run.id!)))")
        #expect(fx.time.date == copenhagen("2026-11-23 10:00"))
        service.cancel()
        try await service.value
    }

    @Test func aGracefulShutdownPutsTheRunInFlightBackInTheQueue() async throws {
        let fx = try SchedulerFixture(SchedulerFixture.bigStatus, at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        let request = try fx.runner().request("kbh-status", trigger: .api, actor: "api:t")
        let scheduler = fx.scheduler(idlePoll: .seconds(3600))
        let group = ServiceGroup(configuration: .init(services: [.init(service: scheduler)],
                                                      logger: Logger(label: "test.scheduler")))
        let running = Task { try await group.run() }
        // A liveness bound, not a speed target: on a loaded 2-core machine running every
        // suite at once, the run may wait minutes for its turn.
        try #require(await eventually(within: .seconds(600)) { fx.aRunIsWriting }, "the run never started writing")
        await group.triggerGracefulShutdown()
        try await running.value
        try fx.expectBackInTheQueue(request.run.id)
        #expect(scheduler.runningExtracts.isEmpty)
    }

    @Test func cancellationPutsTheRunInFlightBackInTheQueue() async throws {
        let fx = try SchedulerFixture(SchedulerFixture.bigStatus, at: copenhagen("2026-11-22 12:00"))
        defer { fx.tearDown() }
        let request = try fx.runner().request("kbh-status", trigger: .api, actor: "api:t")
        let scheduler = fx.scheduler(idlePoll: .seconds(3600))
        let service = Task { try await scheduler.run() }
        // Cancelled the instant the run writes, from a thread of its own.
        let writing = try ConditionWatch(within: .seconds(600), { fx.aRunIsWriting }, then: { service.cancel() })
        try #require(await writing.seen(), "the run never started writing")
        try await service.value
        try fx.expectBackInTheQueue(request.run.id)
        #expect(scheduler.runningExtracts.isEmpty)
    }
}
