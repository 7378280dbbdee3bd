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
            // A generous bound: other suites load the machine; the point is that a pass ran.
            ((try? store.pickups().count) ?? 0) > 0 || ContinuousClock.now - started > .seconds(120)
        })
        #expect(try fx.store.pickups().map(\.fileName) == ["svc.dat"])
    }
}
