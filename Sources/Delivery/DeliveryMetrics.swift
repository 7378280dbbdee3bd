import Metrics
import Store

/// Delivery counters for Prometheus (through swift-metrics; `serve` bootstraps the
/// exporter): attempts by system and outcome, bytes delivered, and transfer seconds.
enum DeliveryMetrics {
    static func record(_ delivery: DeliveryRecord) {
        let outcome = delivery.outcome == .delivered ? "delivered" : "failed"
        Counter(label: "udtraek_deliveries_total", dimensions: [("system", delivery.system), ("outcome", outcome)]).increment()
        guard delivery.outcome == .delivered else { return }
        Counter(label: "udtraek_delivered_bytes_total", dimensions: [("system", delivery.system)]).increment(by: delivery.bytes)
        if let ms = delivery.durationMs {
            Metrics.Timer(label: "udtraek_delivery_duration_seconds", dimensions: [("system", delivery.system)],
                          preferredDisplayUnit: .seconds).recordMilliseconds(ms)
        }
    }
}
