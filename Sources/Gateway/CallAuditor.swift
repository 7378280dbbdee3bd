import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Collects audit rows in memory and writes them in batches, so a call's latency never
/// includes a database transaction. Runs as a service: flushes every `interval` and once
/// more on shutdown. Should the database be unwritable, rows are kept (up to a bound) and
/// retried; the loss of rows beyond it is logged with their count.
public final class CallAuditor: Service, Sendable {
    let store: Store
    let logger: Logger
    let interval: Duration
    let maximumBacklog: Int
    let pending = Mutex<[GatewayCall]>([])

    public init(store: Store, logger: Logger, interval: Duration = .milliseconds(100), maximumBacklog: Int = 1_000_000) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.maximumBacklog = maximumBacklog
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

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                try? await Task.sleep(for: interval)
                flush()
            }
        } onGracefulShutdown: {}
        flush()
    }
}
