import BusinessCalendar
import Extracts
import Foundation
import Runtime
import Scheduler
import Store
import Testing
import UdtraekConfig
import UdtraekTesting

/// "2026-11-23 06:15" in Copenhagen as an instant.
func copenhagen(_ text: String) -> Date {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "Europe/Copenhagen")
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.date(from: text)!
}

/// A state directory with one system, agreements and extracts whose schedules a test
/// writes; the schedules are applied at the clock's time (their creation time). The
/// scheduler and the runner read a manual clock the test moves.
struct SchedulerFixture {
    let directory: String
    let store: Store
    let time: ManualClock

    static func config(schedule: String, extract: String = "kbh-changes", kind: String = "change", persons: Int = 2_000) -> String {
        """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: \(persons) }, kle: { seed: 3 } }
        municipalities:
          - { code: "0101", name: København }
        systems:
          - name: modtager
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        agreements:
          - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
        extracts:
          - name: \(extract)
            source: cpr
            kind: \(kind)
            system: modtager
            municipality: "0101"
            gzip_level: 1
            schedule:
        \(schedule.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    init(_ text: String, at start: Date) throws {
        directory = NSTemporaryDirectory() + "udtraek-scheduler-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(stateDirectory: directory + "/state")
        time = ManualClock(start: start)
        try apply(text)
    }

    func apply(_ text: String) throws {
        let file = try ConfigurationFile.parse(text, path: "test.yaml")
        try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: time.date, actor: "t", action: "config.apply",
                                                                              subject: "test.yaml", detail: ""))
    }

    func runner() -> ExtractRunner {
        ExtractRunner(store: store, stateDirectory: directory + "/state", clock: time.clock)
    }

    func scheduler(maxConcurrentRuns: Int = 2, idlePoll: Duration = .seconds(30)) -> ExtractScheduler {
        ExtractScheduler(store: store, runner: runner(), maxConcurrentRuns: maxConcurrentRuns, idlePoll: idlePoll, clock: time.clock)
    }

    /// The spool folder's file names (a running extract's temporary file starts with `.tmp-`).
    var spoolFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/state/outbox")) ?? []).sorted()
    }

    /// Decisions recorded for the extract, oldest first, as "local-time outcome".
    func slots(_ extract: String = "kbh-changes") throws -> [String] {
        try store.scheduleSlots(extract: extract, limit: 1000).reversed().map { "\($0.localTime) \($0.outcome)" }
    }

    /// A status extract big enough (about 1.1 million persons, minutes in a debug build)
    /// that a run is still producing when a test stops it after its temporary file
    /// appears; its monthly schedule has no slot in the tests' days.
    static let bigStatus = config(schedule: "cron: \"0 2 1 * *\"", extract: "kbh-status", kind: "status", persons: 10_000_000)

    /// Whether a run is writing its file (its temporary file is in Spool/).
    var aRunIsWriting: Bool { spoolFiles.contains { $0.hasPrefix(".tmp-") } }

    /// Checks that run `id` was stopped by a shutdown: queued again, without an owner, and
    /// nothing left in Spool/.
    func expectBackInTheQueue(_ id: Int64?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let id = try #require(id, sourceLocation: sourceLocation)
        let run = try #require(try store.run(id: id), sourceLocation: sourceLocation)
        #expect(run.state == .queued, sourceLocation: sourceLocation)
        #expect(run.owner == nil, sourceLocation: sourceLocation)
        #expect(run.error?.contains("shutting down") == true, "\(run.error ?? "")", sourceLocation: sourceLocation)
        #expect(spoolFiles.isEmpty, "\(spoolFiles)", sourceLocation: sourceLocation)
    }

    func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
}

/// An owner string for a process that does not exist.
let deadOwner = String(RunOwner.current.split(separator: ":")[0]) + ":2147483000:1"
