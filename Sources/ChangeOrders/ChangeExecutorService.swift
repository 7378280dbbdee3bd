import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// The executor inside `udtraek serve`: a `PeriodicService` that runs a pass every
/// `interval` on the executor's clock, and at once after `nudge()` (the admin API calls it
/// for an order accepted to be carried out now), until graceful shutdown or cancellation.
/// A pass in flight (a verification login) finishes. Without service-lifecycle, run it in a
/// task and cancel the task to stop it.
public final class ChangeExecutorService: Service, Sendable {
    public let executor: ChangeExecutor
    let periodic: PeriodicService

    public init(executor: ChangeExecutor, interval: Duration = .seconds(15), logger: Logger = Logger(label: "udtraek.changes")) {
        self.executor = executor
        periodic = PeriodicService(name: "change executor", clock: executor.clock, logger: logger, pass: {
            do {
                let report = try await executor.runDue()
                if report != ExecutionReport() {
                    logger.info("change pass", metadata: ["changes.completed": "\(report.completed)", "changes.failed": "\(report.failed)",
                                                          "changes.retired_keys": "\(report.retiredKeys)",
                                                          "changes.retired_certificates": "\(report.retiredCertificates)"])
                }
            } catch is CancellationError {
                // Stopping before the pass started: nothing was done.
            } catch {
                logger.error("change executor pass failed: \(error); trying again in \(interval)")
            }
            return interval
        })
    }

    /// Asks for a pass now (a new order due at once), or right after the one in flight.
    public func nudge() { periodic.nudge() }

    public func run() async throws { try await periodic.run() }
}
