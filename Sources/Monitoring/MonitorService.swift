import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// The monitor and the webhook sender as one swift-service-lifecycle `Service`: two
/// `PeriodicService`s side by side, so a slow webhook never holds up a monitoring pass.
/// The monitor passes every `poll_interval` (read from the state after each pass, so
/// `config apply` takes effect without a restart); the sender drains the webhook queue every
/// `webhookInterval`. Both sleep on the monitor's and the sender's clocks (monotonic time:
/// a stepped wall clock neither skips nor doubles a pass) and return on graceful shutdown
/// and on cancellation; a pass in flight finishes, the sender stops between requests, and
/// the monitor's pooled sessions are closed when its loop ends.
///
/// Without service-lifecycle, run it in a task and cancel the task to stop it.
public struct PickupMonitorService: Service {
    public let monitor: PickupMonitor
    public let sender: WebhookSender
    /// The monitor's passes.
    public let passes: PeriodicService
    /// The webhook queue's passes.
    public let webhooks: PeriodicService

    public init(monitor: PickupMonitor, sender: WebhookSender, webhookInterval: Duration = .seconds(2),
                logger: Logger = Logger(label: "udtraek.monitor")) {
        self.monitor = monitor
        self.sender = sender
        passes = monitor.periodicService(logger: logger)
        webhooks = sender.periodicService(every: webhookInterval, logger: logger)
    }

    /// Runs a monitor pass now (or right after the one in flight).
    public func nudge() { passes.nudge() }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await passes.run() }
            group.addTask { try await webhooks.run() }
            try await group.waitForAll()
        }
    }
}
