import UdtraekConfig
import Foundation
import Store
import Testing

/// A system's `infref` in the configuration file: read, stored, exported, diffed and
/// checked with the same rule as an agreement's.
@Suite struct SystemInfRefTests {
    static func config(_ infref: String) -> String {
        ConfigurationFileTests.valid.replacingOccurrences(
            of: "      host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE]\n",
            with: "      host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE]\n    infref: \(infref)\n")
    }

    @Test func readStoredExportedAndDiffed() throws {
        let text = Self.config("\"urn:oio:cpr:udtraek:1.0.0\"")
        #expect(text != ConfigurationFileTests.valid)
        let file = try ConfigurationFile.parse(text, path: "/c/u.yaml", environment: [:])
        #expect(file.snapshot.systems.first?.infRef == "urn:oio:cpr:udtraek:1.0.0")
        let exported = ConfigurationExport.yaml(file.snapshot)
        #expect(exported.contains("infref: \"urn:oio:cpr:udtraek:1.0.0\""))
        #expect(try ConfigurationFile.parse(exported, path: "/e/u.yaml", environment: [:]).snapshot == file.snapshot)

        let directory = NSTemporaryDirectory() + "udtraek-infref-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(stateDirectory: directory)
        try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: "", detail: ""))
        #expect(try store.system(named: "sag-kbh")?.infRef == "urn:oio:cpr:udtraek:1.0.0")
        let without = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml", environment: [:]).snapshot
        let diff = ConfigurationDiff.between(try store.configuration(), without)
        #expect("\(diff)".contains("infref"))
    }

    @Test func badValuesAreReportedWithTheKey() {
        for (value, expected) in [("\"\"", "must not be empty"), ("\" \"", "infref is empty"), ("\"\(String(repeating: "x", count: 300))\"", "at most 255")] {
            #expect {
                _ = try ConfigurationFile.parse(Self.config(value), path: "Config/udtraek.yaml", environment: [:])
            } throws: { error in
                let text = "\(error)"
                return text.contains("systems[0].infref") && text.contains(expected)
            }
        }
    }
}
