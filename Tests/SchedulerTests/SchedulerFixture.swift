import BusinessCalendar
import Extracts
import Foundation
import Scheduler
import Store
import UdtraekConfig

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func set(_ date: Date) { lock.withLock { current = date } }
}

/// "2026-11-23 06:15" in Copenhagen as an instant.
func copenhagen(_ text: String) -> Date {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "Europe/Copenhagen")
    f.dateFormat = "yyyy-MM-dd HH:mm"
    return f.date(from: text)!
}

/// A state directory with one system, agreements and extracts whose schedules a test
/// writes; the schedules are applied at the clock's time (their creation time).
struct SchedulerFixture {
    let directory: String
    let store: Store
    let clock: TestClock

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
        clock = TestClock(start)
        try apply(text)
    }

    func apply(_ text: String) throws {
        let file = try ConfigurationFile.parse(text, path: "test.yaml")
        try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: clock.now, actor: "t", action: "config.apply",
                                                                              subject: "test.yaml", detail: ""))
    }

    func runner() -> ExtractRunner {
        let clock = self.clock
        return ExtractRunner(store: store, stateDirectory: directory + "/state", now: { clock.now })
    }

    func scheduler(maxConcurrentRuns: Int = 2) -> ExtractScheduler {
        let clock = self.clock
        return ExtractScheduler(store: store, runner: runner(), maxConcurrentRuns: maxConcurrentRuns, clock: { clock.now })
    }

    /// Decisions recorded for the extract, oldest first, as "local-time outcome".
    func slots(_ extract: String = "kbh-changes") throws -> [String] {
        try store.scheduleSlots(extract: extract, limit: 1000).reversed().map { "\($0.localTime) \($0.outcome)" }
    }

    func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
}

/// An owner string for a process that does not exist.
let deadOwner = String(RunOwner.current.split(separator: ":")[0]) + ":2147483000:1"
