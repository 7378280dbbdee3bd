import Foundation
import Logging
import ServiceLifecycle

/// The monitor and the webhook sender as one swift-service-lifecycle `Service`: passes
/// every `poll_interval` (read from the state at each pass, so `config apply` takes effect
/// without a restart) and the webhook queue every `webhookInterval`, until graceful
/// shutdown or cancellation. A pass in flight finishes; the sender stops between requests.
public struct PickupMonitorService: Service {
    public let monitor: PickupMonitor
    public let sender: WebhookSender
    public var webhookInterval: Duration
    let logger: Logger

    public init(monitor: PickupMonitor, sender: WebhookSender, webhookInterval: Duration = .seconds(2),
                logger: Logger = Logger(label: "udtraek.monitor")) {
        self.monitor = monitor
        self.sender = sender
        self.webhookInterval = webhookInterval
        self.logger = logger
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.monitorLoop() }
                group.addTask { await self.senderLoop() }
            }
        } onGracefulShutdown: {
            logger.notice("pickup monitor stopping")
        }
        monitor.close()
    }

    /// Runs until `stop()` returns true or the task is cancelled; for callers without
    /// service-lifecycle.
    public func run(until stop: @escaping @Sendable () -> Bool) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.monitorLoop(stop: stop) }
            group.addTask { await self.senderLoop(stop: stop) }
        }
        monitor.close()
    }

    private func monitorLoop(stop: @escaping @Sendable () -> Bool = { false }) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !stop() {
            var interval = 60
            do {
                let report = try await monitor.runPass()
                logger.debug("monitor pass", metadata: ["monitor.watched": "\(report.watched)", "monitor.seconds": "\(report.seconds)"])
                interval = (try? monitor.store.configuration().monitoring.settings.pollIntervalSeconds) ?? 60
            } catch {
                logger.error("monitor pass failed: \(error)")
            }
            await sleep(.seconds(interval), stop: stop)
        }
    }

    private func senderLoop(stop: @escaping @Sendable () -> Bool = { false }) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !stop() {
            do { try await sender.sendDue() } catch { logger.error("webhook sender: \(error)") }
            await sleep(webhookInterval, stop: stop)
        }
    }

    /// Sleeps in short steps so a stop request is seen quickly.
    private func sleep(_ duration: Duration, stop: @Sendable () -> Bool) async {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end && !Task.isCancelled && !Task.isShuttingDownGracefully && !stop() {
            try? await Task.sleep(for: min(.milliseconds(250), end - ContinuousClock.now))
        }
    }
}
