import BusinessCalendar
import Logging
import SourceStubs
import Store
import Synchronization

/// The directory in memory, reloaded from the store at most every `refresh`, so a
/// configuration applied while the gateway runs takes effect within seconds without a
/// database read per call.
final class DirectoryCache: Sendable {
    struct State { var directory: GatewayDirectory; var loadedAt: UInt64; var loading = false }
    let store: Store
    let refreshNs: UInt64
    let clock: any GatewayClock
    let logger: Logger
    let state: Mutex<State>

    init(store: Store, initial: GatewayDirectory, refresh: Duration, clock: any GatewayClock, logger: Logger) {
        self.store = store
        self.refreshNs = UInt64(max(0, refresh.seconds) * 1e9)
        self.clock = clock
        self.logger = logger
        state = Mutex(State(directory: initial, loadedAt: clock.nanoseconds()))
    }

    func current() -> GatewayDirectory {
        let now = clock.nanoseconds()
        let (directory, reload) = state.withLock { s -> (GatewayDirectory, Bool) in
            let due = now &- s.loadedAt >= refreshNs && !s.loading
            if due { s.loading = true }
            return (s.directory, due)
        }
        guard reload else { return directory }
        do {
            let fresh = GatewayDirectory(try store.configuration())
            state.withLock { s in s.directory = fresh; s.loadedAt = now; s.loading = false }
            return fresh
        } catch {
            logger.error("reloading the gateway's configuration failed; keeping the previous one", metadata: ["error": "\(error)"])
            state.withLock { s in s.loadedAt = now; s.loading = false }
            return directory
        }
    }
}

/// The KLE version in force and its index, built once per day (building walks all versions).
final class KLEPlanCache: Sendable {
    let plan: KLEPlan
    let cached = Mutex<(date: CivilDate, service: KLEService)?>(nil)

    init(plan: KLEPlan) { self.plan = plan }

    func service(on date: CivilDate) throws -> KLEService {
        if let c = cached.withLock({ $0 }), c.date == date { return c.service }
        let s = KLEService(version: try plan.version(on: date))
        cached.withLock { $0 = (date, s) }
        return s
    }
}
