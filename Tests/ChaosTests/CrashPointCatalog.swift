/// Every crash point the harness kills `udtraek` at, with the scenario that reaches it.
/// A point in a loop is named with `#n` (killed at its n-th passage).
///
/// To add a point: put `CrashPoint.reach("area.step")` where the step stands, with a one-line
/// comment saying what a crash there leaves behind, and add a row here.
enum CrashPointCatalog {
    static let extract: [String] = [
        "extract.claimed", "extract.prepared", "spool.temp-created",
        "extract.source-chunk", "extract.source-chunk#3", "spool.chunk-write", "extract.source-done",
        "extract.gzip-finished", "spool.before-fsync", "spool.after-fsync", "spool.after-rename", "spool.after-dir-fsync",
        "extract.before-commit", "extract.after-commit", "extract.before-deliver",
        "delivery.claimed", "delivery.row-started", "delivery.session-open",
        "upload.inbox-checked", "upload.temp-opened", "upload.chunk-sent", "upload.before-fsync", "upload.after-fsync",
        "upload.closed", "upload.verified", "upload.after-rename", "upload.metadata-written", "upload.metadata-renamed",
        "delivery.before-record", "delivery.after-record", "delivery.spool-removed",
    ]
    static let backlog: [String] = [
        "outbox.before-claim", "outbox.before-claim#2", "outbox.before-claim#3", "delivery.claimed#2", "upload.after-rename#2",
        "upload.metadata-written#2", "delivery.before-record#2", "delivery.after-record", "delivery.spool-removed#2",
    ]
    static let largeFile: [String] = [
        "upload.temp-opened", "upload.chunk-sent", "upload.chunk-sent#2", "upload.chunk-sent#4", "upload.before-fsync",
        "upload.after-rename",
    ]
    static let schedule: [String] = [
        "serve.recovered", "scheduler.before-decide", "scheduler.deciding", "scheduler.slot-recorded",
        "scheduler.before-claim", "scheduler.run-claimed", "extract.claimed", "extract.source-chunk#2", "extract.after-commit",
        "scheduler.run-finished", "serve.scheduled", "serve.changes-done", "delivery.claimed", "upload.after-rename",
        "serve.delivered", "monitor.pass-started", "serve.monitored",
    ]
    static let recovery: [String] = ["recovery.runs-settled", "recovery.leftover-removed"]
    static let retention: [String] = [
        "monitor.pass-started", "monitor.tracked", "monitor.listed", "retention.before-remove", "retention.marked",
        "retention.after-remove",
        "monitor.before-record", "monitor.after-record",
    ]
    static let change: [String] = [
        "change.overlaps-retired", "change.due", "change.before-apply", "change.after-apply", "change.before-verify",
        "change.verified", "change.completed", "change.incidents-resolved",
    ]

    static let routing: [String] = [
        "routing.trigger-read", "routing.copy-chunk", "routing.copy-chunk#3", "routing.copied", "routing.accepted",
        "routing.receipt-written", "routing.trigger-removed", "routing.source-removed", "serve.routed", "delivery.claimed",
        "upload.after-rename", "delivery.before-record#2", "delivery.after-record", "serve.delivered", "routing.before-finish",
    ]
    static let refusal: [String] = ["routing.trigger-read", "routing.rejected"]

    /// Every (point, scenario) pair `make chaos` runs.
    static let all: [ChaosCase] =
        extract.map { ChaosCase(point: $0, scenario: .extract) }
        + backlog.map { ChaosCase(point: $0, scenario: .backlog) }
        + largeFile.map { ChaosCase(point: $0, scenario: .largeFile) }
        + schedule.map { ChaosCase(point: $0, scenario: .schedule) }
        + recovery.map { ChaosCase(point: $0, scenario: .recovery) }
        + retention.map { ChaosCase(point: $0, scenario: .retention) }
        + change.map { ChaosCase(point: $0, scenario: .change) }
        + routing.map { ChaosCase(point: $0, scenario: .routing) }
        + refusal.map { ChaosCase(point: $0, scenario: .refusal) }

    /// The short version in `make test`: one or two points per area, the riskiest steps.
    static let short: [String] = [
        "extract.source-chunk#3 extract", "spool.after-rename extract", "extract.after-commit extract",
        "upload.after-rename extract", "upload.chunk-sent#2 large-file", "delivery.before-record#2 backlog",
        "scheduler.slot-recorded schedule", "recovery.leftover-removed recovery", "retention.after-remove retention",
        "change.after-apply change", "routing.accepted routing", "routing.trigger-removed routing",
    ]

    static func named(_ id: String) -> ChaosCase? { all.first { $0.id == id } }

    /// The distinct point names (without `#n`).
    static var distinctPoints: Set<String> {
        Set(all.map { String($0.point.split(separator: "#")[0]) })
    }
}

/// One row of the table: a point and the scenario that reaches it.
struct ChaosCase: Sendable {
    var point: String
    var scenario: ChaosScenario
    var id: String { "\(point) \(scenario.name)" }
}
