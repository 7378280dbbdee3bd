import Foundation
import Logging
import ServiceLifecycle

/// The executor inside `udtraek serve`: a pass every `interval` (and at once after
/// `nudge()`, which the admin API calls for an order to be carried out now), until
/// graceful shutdown. A pass in flight (a verification login) finishes.
public final class ChangeExecutorService: Service, @unchecked Sendable {
    public let executor: ChangeExecutor
    let interval: Duration
    let logger: Logger
    private let lock = NSLock()
    private var nudged = false

    public init(executor: ChangeExecutor, interval: Duration = .seconds(15), logger: Logger = Logger(label: "udtraek.changes")) {
        self.executor = executor
        self.interval = interval
        self.logger = logger
    }

    /// Asks for a pass now (a new order due at once).
    public func nudge() { lock.withLock { nudged = true } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await self.loop(stop: { false })
        } onGracefulShutdown: {
            self.logger.notice("change executor stopping")
        }
    }

    /// Runs until `stop()` returns true or the task is cancelled; for callers without service-lifecycle.
    public func run(until stop: @escaping @Sendable () -> Bool) async { await loop(stop: stop) }

    private func loop(stop: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully && !stop() {
            do {
                let report = try await executor.runDue()
                if report != ExecutionReport() {
                    logger.info("change pass", metadata: ["changes.completed": "\(report.completed)", "changes.failed": "\(report.failed)",
                                                          "changes.retired_keys": "\(report.retiredKeys)"])
                }
            } catch {
                logger.error("change executor pass failed: \(error)")
            }
            let end = ContinuousClock.now + interval
            while ContinuousClock.now < end && !Task.isCancelled && !Task.isShuttingDownGracefully && !stop()
                    && !lock.withLock({ nudged }) {
                try? await Task.sleep(for: .milliseconds(250))
            }
            lock.withLock { nudged = false }
        }
    }
}
