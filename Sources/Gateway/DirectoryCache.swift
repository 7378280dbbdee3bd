import Foundation
import BusinessCalendar
import Logging
import SourceStubs
import Store
import ServiceLifecycle
import Synchronization

/// The directory in memory, reloaded from the store every `refresh` on a thread of its
/// own, so a configuration applied while the gateway runs takes effect within seconds,
/// and no call ever waits for the database read.
final class DirectoryCache: Service, Sendable {
    let store: Store
    let refresh: Duration
    let logger: Logger
    let directory: Mutex<GatewayDirectory>

    init(store: Store, initial: GatewayDirectory, refresh: Duration, logger: Logger) {
        self.store = store
        self.refresh = refresh
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
        await DedicatedLoop.run(name: "gateway directory", every: refresh) { [self] in reload() }
    }
}

/// The KLE version in force and its index, built once per day: building walks every
/// version since the epoch, which takes longer than a simple call's 1 s target on a slow
/// machine. As a service it builds the day's version ahead of the calls (at start, and
/// every `refresh`, so also just after midnight), keeping that work off the request path.
final class KLEPlanCache: Service, Sendable {
    let plan: KLEPlan
    let today: @Sendable () -> CivilDate
    let refresh: Duration
    let logger: Logger
    let cached = Mutex<(date: CivilDate, service: KLEService)?>(nil)
    /// Held while a version is built, so a call arriving meanwhile waits for that build
    /// rather than doing the same work a second time beside it.
    let building = NSLock()

    init(plan: KLEPlan, today: @escaping @Sendable () -> CivilDate, refresh: Duration = .seconds(30), logger: Logger) {
        self.plan = plan
        self.today = today
        self.refresh = refresh
        self.logger = logger
    }

    func service(on date: CivilDate) throws -> KLEService {
        if let c = cached.withLock({ $0 }), c.date == date { return c.service }
        building.lock()
        defer { building.unlock() }
        if let c = cached.withLock({ $0 }), c.date == date { return c.service }
        let s = KLEService(version: try plan.version(on: date))
        cached.withLock { $0 = (date, s) }
        return s
    }

    /// Builds today's version unless it is built already.
    func prepare() {
        do { _ = try service(on: today()) } catch {
            logger.error("building the KLE plan in force failed; KLE calls will answer 500 until it succeeds", metadata: ["error": "\(error)"])
        }
    }

    func run() async throws {
        await DedicatedLoop.run(name: "gateway kle", every: refresh, immediately: true) { [self] in prepare() }
    }
}
