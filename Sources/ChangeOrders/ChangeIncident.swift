import Foundation
import Logging
import Monitoring
import Store

/// A failed change order is an incident: a `change.failed` alarm through the monitoring
/// alarm machinery (the log, webhooks, `udtraek alarms`), raised once per order and
/// resolved by acknowledgement or when a later order of the same kind for the system
/// completes.
enum ChangeIncident {
    static func dedupKey(_ order: ChangeOrder) -> String { "change:\(order.id ?? 0)" }

    static func raise(_ order: ChangeOrder, what: String, store: Store, logger: Logger, now: Date) throws {
        let settings = try store.configuration().monitoring.settings
        let notifier = AlarmNotifier(webhooks: settings.webhooks, logger: logger)
        let ref = order.orderRef.map { "BestillingsID \($0)" } ?? "self-service"
        let alarm = AlarmRecord(dedupKey: dedupKey(order), kind: .changeFailed, severity: .critical, system: order.system,
                                rule: order.kind.rawValue,
                                summary: "change order \(order.id ?? 0) (\(order.kind.rawValue), \(ref)) for \(order.system) failed: \(what)",
                                raisedAt: now, repeatEverySeconds: settings.repeatEverySeconds)
        let notices = try store.applyMonitorPass(pickups: [], alarms: [.raise(alarm, detail: "receipts: udtraek change show \(order.id ?? 0)")], now: now,
                                                 notify: { notifier.webhookRows($0) })
        notices.forEach(notifier.log)
    }

    /// Resolves earlier incidents of the same kind for the system: the completed order fixed them.
    static func resolveEarlier(_ order: ChangeOrder, store: Store, logger: Logger, now: Date) throws {
        let open = try store.alarms(openOnly: true, system: order.system, limit: 1000)
            .filter { $0.kind == .changeFailed && $0.rule == order.kind.rawValue && $0.dedupKey != dedupKey(order) }
        guard !open.isEmpty else { return }
        let settings = try store.configuration().monitoring.settings
        let notifier = AlarmNotifier(webhooks: settings.webhooks, logger: logger)
        let changes = open.map {
            AlarmChange.resolve(dedupKey: $0.dedupKey, resolution: "recovered", detail: "change order \(order.id ?? 0) of the same kind completed")
        }
        let notices = try store.applyMonitorPass(pickups: [], alarms: changes, now: now, notify: { notifier.webhookRows($0) })
        notices.forEach(notifier.log)
    }
}
