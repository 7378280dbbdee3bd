import Logging
import Runtime
import ServiceLifecycle

/// The router in `udtraek serve`: a pass at once, then one every shortest sender
/// `poll_interval` (each sender is read when its own interval has passed), until graceful
/// shutdown or cancellation; the file in hand finishes (copy and commit), no other is taken,
/// and the pooled sessions are closed.
public struct FileRouterService: Service {
    public let router: FileRouter
    let service: PeriodicService

    public init(router: FileRouter, clock: RuntimeClock = .system, logger: Logger = Logger(label: "udtraek.routing")) {
        self.router = router
        // Raised by a stop while a pass runs: the file in hand finishes, no other starts.
        let stop = Waker()
        service = PeriodicService(name: "file router", clock: clock, logger: logger, pass: {
            do {
                let report = try await withTaskCancellationOrGracefulShutdownHandler {
                    try await router.runPass(shouldStop: { stop.isStopped })
                } onCancelOrGracefulShutdown: {
                    stop.stop()
                }
                if report.accepted + report.rejected + report.finished > 0 {
                    logger.info("routing pass", metadata: ["routing.accepted": "\(report.accepted)", "routing.rejected": "\(report.rejected)",
                                                           "routing.finished": "\(report.finished)"])
                }
            } catch is CancellationError {
                // Stopping before the pass started.
            } catch {
                logger.error("routing pass failed: \(error); trying again at the next poll")
            }
            return await router.pollInterval()
        }, onStop: {
            router.close()
            logger.notice("file router stopped")
        })
    }

    /// Runs a pass now (or right after the one in flight).
    public func nudge() { service.nudge() }

    public func run() async throws { try await service.run() }
}
