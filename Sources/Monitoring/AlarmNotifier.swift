import Foundation
import Logging
import Store

/// The notification channels: the log (always) and the configured webhooks (queued in
/// SQLite with the alarm event, sent later by `WebhookSender`).
public struct AlarmNotifier: Sendable {
    public var webhooks: [WebhookTarget]
    public var logger: Logger

    public init(webhooks: [WebhookTarget], logger: Logger) {
        self.webhooks = webhooks
        self.logger = logger
    }

    public func log(_ notice: AlarmNotice) {
        let a = notice.alarm
        var metadata: Logger.Metadata = [
            "alarm.id": "\(a.id ?? 0)", "alarm.kind": "\(a.kind.rawValue)", "alarm.event": "\(notice.event.rawValue)",
            "alarm.severity": "\(a.severity.rawValue)",
        ]
        if let s = a.system { metadata["alarm.system"] = "\(s)" }
        if let f = a.fileName { metadata["alarm.file"] = "\(f)" }
        let text = "alarm \(notice.event.rawValue): \(a.summary)" + (notice.detail.isEmpty ? "" : " (\(notice.detail))")
        switch notice.event {
        case .raised, .reminder: logger.log(level: a.severity == .critical ? .error : .warning, "\(text)", metadata: metadata)
        case .acknowledged, .resolved: logger.notice("\(text)", metadata: metadata)
        }
    }

    /// One queued delivery per webhook (except `excluding`, the webhook an alarm is about).
    public func webhookRows(_ notice: AlarmNotice, excluding: String? = nil) -> [WebhookDelivery] {
        let body = Self.body(notice)
        return webhooks.filter { $0.name != excluding }.map {
            WebhookDelivery(webhook: $0.name, alarmId: notice.alarm.id ?? 0, event: notice.event, body: body,
                            nextAttemptAt: notice.at, createdAt: notice.at)
        }
    }

    /// The JSON body: what an on-call tool needs to page someone without asking back.
    public static func body(_ notice: AlarmNotice) -> String {
        let a = notice.alarm
        var object: [String: Any] = [
            "alarm": [
                "id": a.id ?? 0, "kind": a.kind.rawValue, "severity": a.severity.rawValue, "summary": a.summary,
                "raised_at": iso(a.raisedAt), "notifications": a.notifications,
            ] as [String: Any],
            "event": notice.event.rawValue,
            "state": a.status,
            "at": iso(notice.at),
            "detail": notice.detail,
        ]
        object["system"] = a.system ?? NSNull()
        object["file"] = a.fileName ?? NSNull()
        object["delivered_at"] = a.deliveredAt.map(iso) ?? NSNull()
        object["deadline"] = a.deadline.map(iso) ?? NSNull()
        object["rule"] = a.rule ?? NSNull()
        object["resolution"] = a.resolution ?? NSNull()
        object["acknowledged_by"] = a.acknowledgedBy ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }
}
