import Foundation
import Metrics
import Store
import Synchronization

/// The monitor's figures for Prometheus (through whatever `MetricsSystem` the process
/// bootstrapped): files awaiting pickup and the age of the oldest per receiver, open
/// alarms by state and kind, pickups by outcome. (Deliveries and bytes are counted where
/// they happen, in `Delivery`.)
final class MonitorMetrics: Sendable {
    /// What was reported before, so a figure that dropped to zero is reported as 0.
    private struct Reported {
        var systems = Set<String>()
        var alarmKeys = Set<[String]>()
    }

    private let reported = Mutex(Reported())

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
        reported.withLock { seen in
            let bySystem = Dictionary(grouping: active, by: \.system)
            for system in seen.systems.union(bySystem.keys) {
                let files = bySystem[system] ?? []
                Gauge(label: "udtraek_pickup_awaiting_files", dimensions: [("system", system)]).record(files.count)
                let oldest = files.map(\.deliveredAt).min().map { now.timeIntervalSince($0) } ?? 0
                Gauge(label: "udtraek_pickup_oldest_uncollected_seconds", dimensions: [("system", system)]).record(oldest)
            }
            seen.systems.formUnion(bySystem.keys)
            var counts: [[String]: Int] = [:]
            for a in openAlarms { counts[[a.status, a.kind.rawValue], default: 0] += 1 }
            for key in seen.alarmKeys.union(counts.keys) {
                Gauge(label: "udtraek_alarms_open", dimensions: [("state", key[0]), ("kind", key[1])]).record(counts[key] ?? 0)
            }
            seen.alarmKeys.formUnion(counts.keys)
        }
    }
}
