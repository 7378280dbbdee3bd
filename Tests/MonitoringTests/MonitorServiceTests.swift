import Foundation
import Monitoring
import Store
import Testing

/// The long-running loop: passes and the webhook sender run until asked to stop.
@Suite struct MonitorServiceTests {
    @Test func runsPassesUntilStopped() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [PickupRule(collectWithinSeconds: 3600)])
        try fx.deliver("svc.dat")
        let service = PickupMonitorService(monitor: fx.monitor(), sender: WebhookSender(store: fx.store),
                                           webhookInterval: .milliseconds(100))
        let started = ContinuousClock.now
        let store = fx.store
        await service.run(until: {
            ((try? store.pickups().count) ?? 0) > 0 || ContinuousClock.now - started > .seconds(20)
        })
        #expect(try fx.store.pickups().map(\.fileName) == ["svc.dat"])
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}
