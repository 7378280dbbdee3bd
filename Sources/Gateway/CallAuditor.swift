import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Collects audit rows in memory and writes them in batches, so a call's latency never
/// includes a database transaction. Runs as a service: flushes every `interval` on a
/// thread of its own (never on the cooperative pool the calls run on) and once more on
/// shutdown. Should the database be unwritable, rows are kept (up to a bound) and
/// retried; the loss of rows beyond it is logged with their count.
public final class CallAuditor: Service, Sendable {
    let store: Store
    let logger: Logger
    let interval: Duration
    let maximumBacklog: Int
    let pending = Mutex<[GatewayCall]>([])
    /// Rows older than this many days are removed, at start and then hourly.
    let retentionDays: Int
    let nextPrune = Mutex<Date>(.distantPast)

    public init(store: Store, logger: Logger, interval: Duration = .milliseconds(100), maximumBacklog: Int = 1_000_000,
                retentionDays: Int = 180) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.maximumBacklog = maximumBacklog
        self.retentionDays = retentionDays
    }

    public func record(_ call: GatewayCall) {
        let dropped: Bool = pending.withLock { rows in
            guard rows.count < maximumBacklog else { return true }
            rows.append(call)
            return false
        }
        if dropped { logger.error("audit backlog full; a gateway call row was dropped", metadata: ["gateway.request": "\(call.requestID)"]) }
    }

    /// Writes everything recorded so far. Tests call it to read their rows at once.
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
            pending.withLock { rows in rows.insert(contentsOf: batch.prefix(maximumBacklog - rows.count), at: 0) }
        }
    }

    /// Removes rows past the retention when an hour has passed since the last removal.
    public func pruneIfDue(now: Date = Date()) {
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
        await DedicatedLoop.run(name: "gateway audit", every: interval) { [self] in
            flush()
            pruneIfDue()
        }
    }
}
