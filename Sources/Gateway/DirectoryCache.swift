import Foundation
import BusinessCalendar
import Logging
import Runtime
import SourceStubs
import Store
import ServiceLifecycle
import Synchronization

/// The directory in memory, reloaded from the store every `refresh` on the blocking
/// executor, so a configuration applied while the gateway runs takes effect within seconds,
/// and no call ever waits for the database read.
final class DirectoryCache: Service, Sendable {
    let store: Store
    let refresh: Duration
    let logger: Logger
    let clock: RuntimeClock
    let executor: BlockingExecutor
    let directory: Mutex<GatewayDirectory>

    init(store: Store, initial: GatewayDirectory, refresh: Duration, clock: RuntimeClock, executor: BlockingExecutor,
         logger: Logger) {
        self.store = store
        self.refresh = refresh
        self.clock = clock
        self.executor = executor
        self.logger = logger
        directory = Mutex(initial)
    }

    func current() -> GatewayDirectory { directory.withLock { $0 } }

    /// Reads the configuration again; on failure keeps the previous one and says so.
    func reload() {
        do {
            let fresh = GatewayDirectory(try store.configuration())
            directory.withLock { $0 = fresh }
        } catch {
            logger.error("reloading the gateway's configuration failed; keeping the previous one", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        let (refresh, executor) = (refresh, executor)
        try await PeriodicService(name: "gateway directory", clock: clock, logger: logger, runImmediately: false,
                                  initialDelay: refresh, pass: { [self] in
            _ = try? await executor.run { self.reload() }
            return refresh
        }).run()
    }
}

/// The KLE version in force and its index, built once per day: building walks every
/// version since the epoch, which takes longer than a simple call's 1 s target on a slow
/// machine. As a service it builds the day's version ahead of the calls (at start, and
/// every `refresh`, so also just after midnight) on the blocking executor, keeping that
/// work off the request path; a call that finds the day's version not yet built waits for
/// it on the executor too, within its deadline.
final class KLEPlanCache: Service, Sendable {
    let plan: KLEPlan
    let today: CopenhagenDay
    let refresh: Duration
    let logger: Logger
    let executor: BlockingExecutor
    let cached = Mutex<(date: CivilDate, service: KLEService)?>(nil)
    /// Held while a version is built, so a call arriving meanwhile waits for that build
    /// rather than doing the same work a second time beside it. Only ever taken on the
    /// executor's threads.
    let building = NSLock()

    init(plan: KLEPlan, today: CopenhagenDay, executor: BlockingExecutor, refresh: Duration = .seconds(30), logger: Logger) {
        self.plan = plan
        self.today = today
        self.executor = executor
        self.refresh = refresh
        self.logger = logger
    }

    /// The version in force on `date` when it is built already; never blocks.
    func built(on date: CivilDate) -> KLEService? {
        cached.withLock { c in c.flatMap { $0.date == date ? $0.service : nil } }
    }

    /// The version in force on `date`, built on this thread if need be (blocking: call it
    /// from the executor).
    func buildIfNeeded(on date: CivilDate) throws -> KLEService {
        if let s = built(on: date) { return s }
        building.lock()
        defer { building.unlock() }
        if let s = built(on: date) { return s }
        let s = KLEService(version: try plan.version(on: date))
        cached.withLock { $0 = (date, s) }
        return s
    }

    /// Builds today's version unless it is built already.
    func prepare() {
        do { _ = try buildIfNeeded(on: today.today()) } catch {
            logger.error("building the KLE plan in force failed; KLE calls will answer 500 until it succeeds", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        let (refresh, executor) = (refresh, executor)
        try await PeriodicService(name: "gateway kle", clock: today.clock, logger: logger, pass: { [self] in
            _ = try? await executor.run { self.prepare() }
            return refresh
        }).run()
    }
}
