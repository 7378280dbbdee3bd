import Foundation
import SFTPClient
import Store

/// Reachability of one inbox subject (a host, or one system's login) from pass to pass:
/// a plain function from the previous status and this pass's result to the new status
/// and the alarm changes.
public enum InboxHealth {
    /// The result of reaching a subject in one pass: nil error means it answered.
    public static func update(subject: String, previous: InboxStatus?, error: SFTPError?, now: Date,
                              unreachableAfterSeconds: Int, repeatEverySeconds: Int, system: String?,
                              openAlarms: [AlarmRecord]) -> (InboxStatus, [AlarmChange]) {
        let mine = openAlarms.filter { ($0.kind == .inboxUnreachable || $0.kind == .hostKeyMismatch) && $0.dedupKey.hasPrefix(prefix(subject)) }
        guard let error else {
            let since = previous?.reachable == true ? previous!.since : now
            let status = InboxStatus(subject: subject, reachable: true, since: since, checkedAt: now)
            return (status, mine.map { .resolve(dedupKey: $0.dedupKey, resolution: "recovered", detail: "\(subject) answered again") })
        }
        let since = previous?.reachable == false ? previous!.since : now
        let status = InboxStatus(subject: subject, reachable: false, since: since, lastError: error.description,
                                 errorCode: error.code.rawValue, checkedAt: now)
        var changes: [AlarmChange] = []
        let episode = Int(since.timeIntervalSince1970)
        if error.code == .hostKeyMismatch {
            changes.append(.raise(AlarmRecord(dedupKey: "\(prefix(subject))host_key:\(episode)", kind: .hostKeyMismatch,
                                              severity: .critical, system: system,
                                              summary: "\(subject) presented a host key that is not pinned: \(error.reason)",
                                              raisedAt: now, repeatEverySeconds: repeatEverySeconds),
                                  detail: error.description))
        } else if now.timeIntervalSince(since) >= TimeInterval(unreachableAfterSeconds) {
            changes.append(.raise(AlarmRecord(dedupKey: "\(prefix(subject))unreachable:\(episode)", kind: .inboxUnreachable,
                                              severity: .critical, system: system,
                                              summary: "\(subject) cannot be reached since \(AlarmPlanner.iso(since)): \(error.reason)",
                                              raisedAt: now, repeatEverySeconds: repeatEverySeconds),
                                  detail: error.description))
        }
        return (status, changes)
    }

    static func prefix(_ subject: String) -> String { "inbox:\(subject):" }
}
