import Foundation
import Logging
@testable import Monitoring
import Runtime
import ServiceLifecycle
import Store
import Testing
import UdtraekTesting

/// The long-running service: the monitor's passes and the webhook sender as two periodic
/// services on one manual clock. At rest both sleep on it, so `waitForSleepers(atLeast: 2)`
/// after an advance means every pass that advance started is over.
@Suite(.serialized) struct MonitorServiceTests {
    static let logger = Logger(label: "test")

    /// A fixture watching `modtager` with a delivered file, and a service on a manual clock
    /// that starts a minute after the delivery.
    static func setUp(_ fx: MonitorFixture, file: String, webhookInterval: Duration = .seconds(3600))
        throws -> (ManualClock, PickupMonitorService, deliveredAt: Date) {
        try fx.watch(rules: [PickupRule(collectWithinSeconds: 3600, warningBeforeSeconds: 900, repeatEverySeconds: 1800)])
        let t = try #require(try fx.deliver(file).finishedAt)
        let manual = ManualClock(start: t + 60)
        let service = PickupMonitorService(monitor: fx.monitor(clock: manual.clock),
                                           sender: WebhookSender(store: fx.store, environment: ["HOOK_SECRET": "s3cret"], clock: manual.clock),
                                           webhookInterval: webhookInterval, logger: logger)
        return (manual, service, t)
    }

    @Test func stopsOnCancellationAndClosesItsSessions() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        let (manual, service, _) = try Self.setUp(fx, file: "svc.dat")
        let task = Task { try await service.run() }
        await manual.waitForSleepers(atLeast: 2)
        #expect(try fx.store.pickups().map(\.fileName) == ["svc.dat"], "the first pass runs at once")
        #expect(service.monitor.sessions.pooledSessions == 1)
        task.cancel()
        try await task.value
        #expect(service.monitor.sessions.pooledSessions == 0, "the pooled session is closed when the service stops")
    }

    @Test func stopsOnGracefulShutdown() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        let (manual, service, _) = try Self.setUp(fx, file: "svc.dat")
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: Self.logger))
        let task = Task { try await group.run() }
        await manual.waitForSleepers(atLeast: 2)
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(service.monitor.sessions.pooledSessions == 0)
    }

    @Test func aPassRunsWhenTheClockReachesThePollIntervalNotBefore() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        fx.monitoring.settings.pollIntervalSeconds = 300
        let (manual, service, _) = try Self.setUp(fx, file: "first.dat")
        try await withRunning(service) {
            await manual.waitForSleepers(atLeast: 2)
            #expect(try fx.store.pickups().map(\.fileName) == ["first.dat"])
            try fx.deliver("second.dat")
            manual.advance(by: .seconds(299))
            #expect(manual.sleeperCount == 2, "nobody woke: no pass before the interval")
            #expect(try fx.store.pickups().count == 1)
            manual.advance(by: .seconds(1))
            await manual.waitForSleepers(atLeast: 2)
            #expect(try fx.store.pickups().map(\.fileName).sorted() == ["first.dat", "second.dat"])

            // The interval is read from the state after each pass: a change applied now
            // counts from the sleep after the next pass.
            fx.monitoring.settings.pollIntervalSeconds = 120
            try fx.apply()
            manual.advance(by: .seconds(300))
            await manual.waitForSleepers(atLeast: 2)
            try fx.deliver("third.dat")
            manual.advance(by: .seconds(119))
            #expect(manual.sleeperCount == 2)
            #expect(try fx.store.pickups().count == 2)
            manual.advance(by: .seconds(1))
            await manual.waitForSleepers(atLeast: 2)
            #expect(try fx.store.pickups().count == 3)
        }
    }

    /// Fault: the system clock steps forward an hour while the monitor runs (NTP correcting
    /// a clock that was behind). What is checked, and why it is right:
    /// - the step itself wakes nobody and the next pass comes exactly one poll interval after
    ///   the last on monotonic time: the cadence does not follow the wall clock, so a step
    ///   neither fires extra passes nor (stepping back) stalls them;
    /// - that pass judges the file's deadline on the new date: deadlines are wall-clock
    ///   promises to receivers, so a file not collected by then is overdue at once, although
    ///   only a minute of monotonic time has passed;
    /// - it raises the overdue alarm once, without the warning it jumped over, and neither
    ///   the next pass nor the sender raise or send it again; the reminder waits for its
    ///   interval from the new date;
    /// - nothing is lost: the file stays watched and in the inbox, and the alarm's webhook
    ///   reaches the receiver exactly once.
    @Test func wallClockSteppingForwardAnHour() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try await WebhookReceiver.with(secret: "s3cret") { receiver, port in
            fx.monitoring.settings.webhooks = [WebhookTarget(name: "oncall", url: "http://127.0.0.1:\(port)/alarms", secretEnv: "HOOK_SECRET")]
            let (manual, service, t) = try Self.setUp(fx, file: "step.dat", webhookInterval: .seconds(60))
            try await withRunning(service) {
                await manual.waitForSleepers(atLeast: 2)
                #expect(try fx.pickup("step.dat")?.state == .awaiting)

                manual.stepWallClock(by: 3600)
                #expect(manual.sleeperCount == 2, "a step of the wall clock wakes no service")
                manual.advance(by: .seconds(59))
                #expect(manual.sleeperCount == 2, "and does not bring the next pass forward")
                #expect(try fx.pickup("step.dat")?.state == .awaiting)

                manual.advance(by: .seconds(1))
                await manual.waitForSleepers(atLeast: 2)
                let pickup = try #require(try fx.pickup("step.dat"))
                #expect(pickup.state == .overdue, "judged on the new date: \(manual.date) is past the deadline \(pickup.deadline.map { "\($0)" } ?? "-")")
                #expect(try fx.alarms(.pickupWarning).isEmpty)
                let overdue = try #require(try fx.alarms(.pickupOverdue).first)
                let deadline = try #require(overdue.deadline)
                #expect(overdue.isOpen && abs(deadline.timeIntervalSince(t + 3600)) < 0.002, "the deadline itself does not move with the clock")

                // Two more passes at the monitor's cadence: the sender sends the alarm once;
                // no second alarm, no early reminder.
                for _ in 0..<2 {
                    manual.advance(by: .seconds(60))
                    await manual.waitForSleepers(atLeast: 2)
                }
                #expect(try fx.alarms().count == 1)
                #expect(try fx.store.alarmEvents(alarmId: overdue.id!).map(\.event) == [.raised])
                #expect(try fx.store.webhookDeliveries().map(\.state) == [.sent])
                let requests = receiver.requests
                #expect(requests.count == 1 && requests.first?.alarmKind == "pickup.overdue" && requests.first?.validSignature == true)
                #expect(try fx.pickup("step.dat")?.state == .overdue && fx.inboxNames().contains("step.dat"), "still watched, still there")
            }
        }
    }
}
