import Foundation
import Logging
import Runtime
import ServiceLifecycle
import Store
import Synchronization

/// Collects audit rows in memory and writes them in batches, so a call's latency never
/// includes a database transaction. Runs as a service: flushes every `interval` on the
/// blocking executor (never on the cooperative pool the calls run on) and once more when it
/// stops. Should the database be unwritable, rows are kept (up to a bound) and retried; the
/// loss of rows beyond it is logged with their count.
public final class CallAuditor: Service, Sendable {
    let store: Store
    let logger: Logger
    let interval: Duration
    let maximumBacklog: Int
    let clock: RuntimeClock
    let executor: BlockingExecutor
    let pending = Mutex<[GatewayCall]>([])
    /// Rows older than this many days are removed, at start and then hourly.
    let retentionDays: Int
    let nextPrune = Mutex<Date>(.distantPast)

    public init(store: Store, logger: Logger, interval: Duration = .milliseconds(100), maximumBacklog: Int = 1_000_000,
                retentionDays: Int = 180, clock: RuntimeClock = .system, executor: BlockingExecutor = .shared) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.maximumBacklog = maximumBacklog
        self.retentionDays = retentionDays
        self.clock = clock
        self.executor = executor
    }

    public func record(_ call: GatewayCall) {
        let dropped: Bool = pending.withLock { rows in
            guard rows.count < maximumBacklog else { return true }
            rows.append(call)
            return false
        }
        if dropped { logger.error("audit backlog full; a gateway call row was dropped", metadata: ["gateway.request": "\(call.requestID)"]) }
    }

    /// Rows recorded and not yet written.
    public var pendingCount: Int { pending.withLock { $0.count } }

    /// Writes everything recorded so far, on the calling thread (it blocks on SQLite: call
    /// it from the executor, as the service does, or from a command-line tool).
    public func flush() {
        let batch = pending.withLock { rows -> [GatewayCall] in
            let taken = rows
            rows.removeAll(keepingCapacity: true)
            return taken
        }
        guard !batch.isEmpty else { return }
        do {
            try store.recordGatewayCalls(batch)
        } catch {
            logger.error("writing gateway audit rows failed; will retry", metadata: ["error": "\(error)", "gateway.rows": "\(batch.count)"])
            pending.withLock { rows in rows.insert(contentsOf: batch.prefix(max(0, maximumBacklog - rows.count)), at: 0) }
        }
    }

    /// Writes everything recorded so far on the executor; returns once it is in the store.
    /// Not cut short by the caller's cancellation: the rows are written either way.
    public func flushOnExecutor() async {
        let executor = executor
        await Task { try? await executor.run { self.flush() } }.value
    }

    /// Removes rows past the retention when an hour has passed since the last removal.
    public func pruneIfDue(now: Date) {
        let due = nextPrune.withLock { next -> Bool in
            guard now >= next else { return false }
            next = now.addingTimeInterval(3600)
            return true
        }
        guard due else { return }
        let cutoff = now.addingTimeInterval(-Double(retentionDays) * 86_400)
        do {
            let removed = try store.pruneGatewayCalls(before: cutoff)
            if removed > 0 {
                logger.info("removed gateway call rows past their retention", metadata: [
                    "gateway.rows": "\(removed)", "gateway.retention_days": "\(retentionDays)"])
            }
        } catch {
            logger.error("removing old gateway call rows failed; will try again in an hour", metadata: ["error": "\(error)"])
        }
    }

    public func run() async throws {
        let (interval, clock, executor) = (interval, clock, executor)
        try await PeriodicService(
            name: "gateway audit", clock: clock, logger: logger, runImmediately: false, initialDelay: interval,
            pass: { [self] in
                // A pass cut short by a stop is made up for by the flush in `onStop`.
                _ = try? await executor.run { self.flush(); self.pruneIfDue(now: clock.date) }
                return interval
            },
            onStop: { [self] in await flushOnExecutor() }
        ).run()
    }
}
