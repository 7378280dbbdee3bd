import UdtraekConfig
import Foundation
import Store
import Testing

@Suite struct ConfigurationFileTests {
    static let valid = """
    # comment
    platform:
      sender: udtraek
    municipalities:
      - { code: "0101", name: København }
      - { code: "0751", name: Aarhus }
    systems:
      - name: sag-kbh
        inbox:
          host: sftp.example.test
          port: 2222
          user: ${SFTP_USER:-kbh}
          private_key: keys/sag-kbh
          passphrase_env: SAG_KBH_PASS
          host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE]
    agreements:
      - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: sag-kbh, municipality: "0101", service: cpr-extract, state: approved }
    """

    @Test func validFileLoadsWithDefaultsAndResolvedPaths() throws {
        let file = try ConfigurationFile.parse(Self.valid, path: "/etc/udtraek/udtraek.yaml", environment: [:])
        let system = try #require(file.snapshot.systems.first)
        #expect(system.sftpUser == "kbh")
        #expect(system.inboxPath == "IN")
        #expect(system.existingTarget == .refuse)
        #expect(system.privateKeyPath == "/etc/udtraek/keys/sag-kbh")
        #expect(system.passphraseEnv == "SAG_KBH_PASS")
        #expect(file.snapshot.agreements.first?.state == .approved)
        let fromEnv = try ConfigurationFile.parse(Self.valid, path: "/x/u.yaml", environment: ["SFTP_USER": "sagkbh01"])
        #expect(fromEnv.snapshot.systems.first?.sftpUser == "sagkbh01")
    }

    /// Every mistake is reported at once, each with file, line and key.
    @Test func everyErrorNamesFileLineAndKey() throws {
        let text = """
        municipalities:
          - { code: "101", name: København }
        systems:
          - name: Sag KBH
            inbox:
              host: h
              port: 70000
              user: u
              passphrase: hunter2
              host_key_fingerprints: [MD5:aa:bb]
              existing_target: overwrite
        agreements:
          - { uuid: BD71A7FA-222D-4F84-9142-2A011A710026, system: nope, municipality: "0101", service: cpr, state: signed }
        sytems: []
        """
        #expect {
            _ = try ConfigurationFile.parse(text, path: "Config/udtraek.yaml", environment: [:])
        } throws: { error in
            guard let e = error as? ConfigurationError else { return false }
            let text = e.description
            let expectations = [
                "Config/udtraek.yaml:2:", "four-digit municipality code",
                "systems[0].name", "lowercase letters",
                "Config/udtraek.yaml:7:", "systems[0].inbox.port", "1...65535",
                "systems[0].inbox.passphrase", "never goes in the configuration",
                "systems[0].inbox.private_key", "is missing",
                "MD5:aa:bb", "not a SHA-256 fingerprint",
                "'overwrite' is not one of: refuse, replace",
                "agreements[0].uuid", "not a lowercase UUID",
                "no system named 'nope'", "'cpr' is not one of", "'signed' is not one of",
                "unknown key 'sytems' (did you mean 'systems'?)",
            ]
            let missing = expectations.filter { !text.contains($0) }
            if !missing.isEmpty { Issue.record("missing in:\n\(text)\n-> \(missing)") }
            return missing.isEmpty && text.contains("nothing was changed")
        }
    }

    @Test func yamlSyntaxErrorsGiveTheLine() {
        #expect {
            _ = try ConfigurationFile.parse("systems:\n  - name: [unclosed\n", path: "bad.yaml")
        } throws: { error in
            guard let e = error as? ConfigurationError, let issue = e.issues.first else { return false }
            return issue.file == "bad.yaml" && issue.line >= 2 && issue.message.contains("not valid YAML")
        }
    }

    @Test func unsetEnvironmentVariableWithoutDefaultIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "${SFTP_USER:-kbh}", with: "${SFTP_USER}")
        #expect {
            _ = try ConfigurationFile.parse(text, path: "c.yaml", environment: [:])
        } throws: { ($0 as? ConfigurationError)?.description.contains("SFTP_USER is not set") == true }
    }

    @Test func duplicatesAreReported() {
        let text = Self.valid + "\n  - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: sag-kbh, municipality: \"0751\", service: cpr-extract, state: pending }\n"
        #expect {
            _ = try ConfigurationFile.parse(text, path: "c.yaml", environment: [:])
        } throws: { error in
            guard let issue = (error as? ConfigurationError)?.issues.first(where: { $0.message.contains("defined twice") }) else { return false }
            // The second occurrence: the last line of the file, agreements[1].
            return issue.key == "agreements[1]" && issue.line == text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        }
    }
}

@Suite struct ConfigurationApplyTests {
    func tempStore() throws -> (Store, String) {
        let dir = NSTemporaryDirectory() + "udtraek-store-\(UUID().uuidString)"
        return (try Store(stateDirectory: dir), dir)
    }

    @Test func applyIsIdempotentAndAudited() throws {
        let (store, dir) = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml", environment: [:])
        #expect(try file.apply(to: store, actor: "t", dryRun: true).changes.contains { $0.description == "+ system sag-kbh" })
        #expect(try store.configuration().systems.isEmpty)
        let first = try file.apply(to: store, actor: "t")
        #expect(first.changes.contains { $0.description == "+ system sag-kbh" })
        #expect(try store.configuration() == file.snapshot)
        // A second apply of the same file changes nothing.
        #expect(try file.apply(to: store, actor: "t").isEmpty)
        #expect(ConfigurationDiff.between(try store.configuration(), file.snapshot).isEmpty)
        #expect(try store.auditLog(action: "config.apply").count == 1)
    }

    @Test func diffNamesChangedFieldsAndRemovals() throws {
        let old = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml").snapshot
        var new = old
        new.systems[0].sftpPort = 22
        new.agreements[0].state = .terminated
        new.municipalities.removeLast()
        let diff = ConfigurationDiff.between(old, new).changes.map(\.description)
        #expect(diff.contains("~ system sag-kbh: port 2222 -> 22"))
        #expect(diff.contains("~ agreement bd71a7fa-222d-4f84-9142-2a011a710026: state approved -> terminated"))
        #expect(diff.contains("- municipality 0751"))
    }

    @Test func removedSystemTakesItsAgreementsAlong() throws {
        let (store, dir) = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snapshot = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml").snapshot
        let audit = AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: "s", detail: "")
        try store.replaceConfiguration(with: snapshot, audit: audit)
        var smaller = snapshot
        smaller.systems = []
        smaller.agreements = []
        try store.replaceConfiguration(with: smaller, audit: audit)
        #expect(try store.configuration() == smaller)
    }

    @Test func exportReadsBackAsTheSameState() throws {
        let snapshot = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml").snapshot
        let exported = ConfigurationExport.yaml(snapshot)
        let again = try ConfigurationFile.parse(exported, path: "/elsewhere/u.yaml")
        #expect(again.snapshot == snapshot)
    }

    @Test func agreementLookupOnlyFindsApproved() throws {
        let (store, dir) = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var snapshot = try ConfigurationFile.parse(ConfigurationFileTests.valid, path: "/c/u.yaml").snapshot
        let audit = AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: "s", detail: "")
        try store.replaceConfiguration(with: snapshot, audit: audit)
        #expect(try store.approvedAgreement(system: "sag-kbh", municipality: "0101", service: "cpr-extract") != nil)
        #expect(try store.approvedAgreement(system: "sag-kbh", municipality: "0751", service: "cpr-extract") == nil)
        snapshot.agreements[0].state = .requested
        try store.replaceConfiguration(with: snapshot, audit: audit)
        #expect(try store.approvedAgreement(system: "sag-kbh", municipality: "0101", service: "cpr-extract") == nil)
    }
}
