import Logging
import Runtime
import ServiceLifecycle
import Store

/// The delivery loop of `udtraek serve`: a `PeriodicService` whose pass delivers every due
/// outbox entry as one job on the `BlockingExecutor`, over one SSH session per receiver
/// for the whole pass (see `DeliveryService.deliverDue`), then sleeps `poll` or until nudged.
///
/// A stop, graceful or by cancellation, lets the delivery in flight finish (a started job
/// is never interrupted: the receiver would be left a temporary file and the outbox an
/// attempt without its outcome) and starts no other entry; the service then returns.
public final class DeliveryWorker: Service, Sendable {
    public let delivery: DeliveryService
    let executor: BlockingExecutor
    let service: PeriodicService
    /// Raised by a stop (graceful or cancellation) while a pass runs, or before one; asked
    /// by `deliverDue` between entries. Final: a stopped worker does not start again.
    let stop = Waker()

    public init(delivery: DeliveryService, poll: Duration, clock: RuntimeClock = .system,
                executor: BlockingExecutor = .shared, logger: Logger = Logger(label: "udtraek.delivery")) {
        self.delivery = delivery
        self.executor = executor
        let stop = self.stop
        service = PeriodicService(name: "delivery worker", clock: clock, logger: logger, pass: {
            do {
                _ = try await withTaskCancellationOrGracefulShutdownHandler {
                    try await executor.run { delivery.deliverDue(shouldStop: { stop.isStopped }) }
                } onCancelOrGracefulShutdown: {
                    logger.notice("delivery worker stopping after the delivery in flight")
                    stop.stop()
                }
            } catch {
                // Cancelled before the job started: nothing is in flight; the loop sees the stop.
            }
            return poll
        })
    }

    /// Delivers every due entry once, on the executor (`serve --once`).
    @discardableResult
    public func deliverDue() async throws -> [DeliveryRecord] {
        try await executor.run { [delivery] in delivery.deliverDue() }
    }

    /// Wakes the worker now (a file was queued), or right after the pass in flight.
    public func nudge() { service.nudge() }

    /// Whether a stop has reached the delivery in flight (no further entry starts).
    public var isStopping: Bool { stop.isStopped }

    public func run() async throws {
        try await service.run()
    }
}
