import Foundation
import Metrics
import Store

/// The monitor's figures for Prometheus (through whatever `MetricsSystem` the process
/// bootstrapped): files awaiting pickup and the age of the oldest per receiver, open
/// alarms by state and kind, pickups by outcome. (Deliveries and bytes are counted where
/// they happen, in `Delivery`.)
final class MonitorMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var reportedSystems = Set<String>()
    private var reportedAlarmKeys = Set<[String]>()

    func pickedUp(system: String, outcome: String) {
        Counter(label: "udtraek_pickups_total", dimensions: [("system", system), ("outcome", outcome)]).increment()
    }

    func sessionsOpened(_ total: Int) {
        Gauge(label: "udtraek_monitor_sessions_opened").record(total)
    }

    func passDuration(_ seconds: Double) {
        Timer(label: "udtraek_monitor_pass_seconds").recordSeconds(seconds)
    }

    /// Gauges from the current state; systems and alarm kinds that dropped to zero are reported as 0.
    func update(active: [PickupRecord], openAlarms: [AlarmRecord], now: Date) {
        lock.withLock {
            let bySystem = Dictionary(grouping: active, by: \.system)
            for system in reportedSystems.union(bySystem.keys) {
                let files = bySystem[system] ?? []
                Gauge(label: "udtraek_pickup_awaiting_files", dimensions: [("system", system)]).record(files.count)
                let oldest = files.map(\.deliveredAt).min().map { now.timeIntervalSince($0) } ?? 0
                Gauge(label: "udtraek_pickup_oldest_uncollected_seconds", dimensions: [("system", system)]).record(oldest)
            }
            reportedSystems.formUnion(bySystem.keys)
            var counts: [[String]: Int] = [:]
            for a in openAlarms { counts[[a.status, a.kind.rawValue], default: 0] += 1 }
            for key in reportedAlarmKeys.union(counts.keys) {
                Gauge(label: "udtraek_alarms_open", dimensions: [("state", key[0]), ("kind", key[1])]).record(counts[key] ?? 0)
            }
            reportedAlarmKeys.formUnion(counts.keys)
        }
    }
}
