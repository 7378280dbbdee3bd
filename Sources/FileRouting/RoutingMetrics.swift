import Metrics

/// Counters of the router for Prometheus; the deliveries of routed files are counted with
/// every other delivery (`DeliveryMetrics`), their pickups by the monitor.
enum RoutingMetrics {
    static func record(_ report: RoutingReport) {
        if report.accepted > 0 { Counter(label: "udtraek_transfers_total", dimensions: [("outcome", "accepted")]).increment(by: report.accepted) }
        if report.rejected > 0 { Counter(label: "udtraek_transfers_total", dimensions: [("outcome", "rejected")]).increment(by: report.rejected) }
        if report.finished > 0 { Counter(label: "udtraek_transfers_total", dimensions: [("outcome", "delivered")]).increment(by: report.finished) }
        if !report.unreachable.isEmpty {
            Counter(label: "udtraek_transfer_folder_failures_total").increment(by: report.unreachable.count)
        }
    }
}
