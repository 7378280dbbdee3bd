import BusinessCalendar
import UdtraekConfig
import Extracts
import Foundation
import Gzip
import Runtime
import Store

/// A state directory with a configuration applied: two municipalities, one system, and
/// agreements in the states a test asks for.
struct ExtractFixture {
    let directory: String
    let configPath: String
    let store: Store
    let today = CivilDate(year: 2026, month: 11, day: 23)!

    static func config(persons: Int = 20_000, kleState: String = "approved", cprState: String = "approved", extra: String = "") -> String {
        """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: \(persons) }, kle: { seed: 3 } }
        municipalities:
          - { code: "0101", name: København }
          - { code: "0751", name: Aarhus }
        systems:
          - name: modtager
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        agreements:
          - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: \(cprState) }
          - { uuid: 659fc821-435a-40d1-9077-10b54714a190, system: modtager, municipality: "0751", service: kle-extract, state: \(kleState) }
        extracts:
          - { name: kbh-status, source: cpr, kind: status, system: modtager, municipality: "0101", task_number: 17 }
          - { name: kbh-plain, source: cpr, kind: status, system: modtager, municipality: "0101", compression: none, record_types: ["001", "002"] }
          - { name: kbh-changes, source: cpr, kind: change, system: modtager, municipality: "0101", gzip_level: 1 }
          - { name: aarhus-cpr, source: cpr, kind: status, system: modtager, municipality: "0751" }
          - { name: kle-full, source: kle, kind: status, system: modtager, municipality: "0751" }
        \(extra)
        """
    }

    init(_ text: String = ExtractFixture.config()) throws {
        directory = NSTemporaryDirectory() + "udtraek-extract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        configPath = directory + "/udtraek.yaml"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        store = try Store(stateDirectory: directory + "/state")
        let file = try ConfigurationFile.load(path: configPath, environment: [:])
        try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: configPath, detail: ""))
    }

    /// A runner whose "today" is 2026-11-23 (a Monday) in Copenhagen.
    func runner() -> ExtractRunner {
        ExtractRunner(store: store, stateDirectory: directory + "/state", clock: ManualClock(start: Date(timeIntervalSince1970: 1_795_428_000)).clock)
    }

    var spoolFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/state/outbox")) ?? []).sorted()
    }

    func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
}

/// The decompressed bytes of a gzip file, through the project's reader (itself checked
/// against the system's gzip in GzipTests).
func gunzip(_ path: String) throws -> [UInt8] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try GzipReader.decompress(Array(data))
}
