import Foundation
import Store

/// Turns what the monitor saw into alarm changes: which to raise, resolve or remind.
/// Pure: the same inputs always give the same changes, and every raise carries a dedup
/// key that makes a repeat (after a restart, or a second monitor) a no-op.
public enum AlarmPlanner {
    public static func pickupKey(_ pickup: PickupRecord, _ state: String) -> String {
        "pickup:\(pickup.id ?? 0):\(pickup.rulePattern ?? "-"):\(state)"
    }

    /// The alarm changes for one file's state-machine events.
    public static func changes(for events: [PickupEvent], pickup: PickupRecord, now: Date) -> [AlarmChange] {
        let warningKey = pickupKey(pickup, "warning"), overdueKey = pickupKey(pickup, "overdue")
        let file = "\(pickup.fileName) for \(pickup.system)"
        var changes: [AlarmChange] = []
        for event in events {
            switch event {
            case .warned:
                changes.append(.raise(alarm(pickup, .pickupWarning, .warning, key: warningKey, now: now, repeatEvery: nil,
                                            summary: "\(file) is not collected; deadline \(iso(pickup.deadline))"),
                                      detail: "warning threshold reached"))
            case .breached:
                changes.append(.resolve(dedupKey: warningKey, resolution: "escalated", detail: "the deadline passed"))
                changes.append(.raise(alarm(pickup, .pickupOverdue, .critical, key: overdueKey, now: now,
                                            repeatEvery: pickup.repeatEverySeconds,
                                            summary: "\(file) was not collected by its deadline \(iso(pickup.deadline))"),
                                      detail: "deadline \(iso(pickup.deadline)) passed"))
            case .collected(let onTime, let at, let detail):
                for key in [warningKey, overdueKey] {
                    changes.append(.resolve(dedupKey: key, resolution: "recovered",
                                            detail: "collected \(onTime ? "on time" : "late") at \(iso(at)) (\(detail))"))
                }
            case .expired:
                for key in [warningKey, overdueKey] {
                    changes.append(.resolve(dedupKey: key, resolution: "expired", detail: "retention removed the file"))
                }
                changes.append(.raise(alarm(pickup, .pickupExpired, .critical, key: pickupKey(pickup, "expired"), now: now,
                                            repeatEvery: nil,
                                            summary: "\(file) was never collected and was removed from the inbox after its retention (\(iso(pickup.expiresAt)))"),
                                      detail: "file and metadata removed"))
            }
        }
        return changes
    }

    /// Reminders due now: open, unacknowledged alarms with an interval that has passed.
    public static func reminders(_ open: [AlarmRecord], now: Date) -> [AlarmChange] {
        open.compactMap { alarm in
            guard alarm.isOpen, alarm.acknowledgedAt == nil, let every = alarm.repeatEverySeconds, every > 0,
                  let id = alarm.id, now >= alarm.lastNotifiedAt.addingTimeInterval(TimeInterval(every))
            else { return nil }
            return .remind(alarmId: id, detail: "still \(alarm.kind.rawValue) since \(iso(alarm.raisedAt)) (reminder \(alarm.notifications))")
        }
    }

    static func alarm(_ p: PickupRecord, _ kind: AlarmKind, _ severity: AlarmSeverity, key: String, now: Date,
                      repeatEvery: Int?, summary: String) -> AlarmRecord {
        AlarmRecord(dedupKey: key, kind: kind, severity: severity, system: p.system, fileName: p.fileName, pickupId: p.id,
                    rule: p.rulePattern, summary: summary, deliveredAt: p.deliveredAt, deadline: p.deadline,
                    raisedAt: now, repeatEverySeconds: repeatEvery)
    }

    static func iso(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601)
    }
}
