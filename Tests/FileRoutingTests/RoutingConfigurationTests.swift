import Foundation
import Store
import Testing
import UdtraekConfig

/// `sender:` and file-transfer agreements are checked like the rest of the file: every
/// mistake named at its key, nothing half-accepted; and what is accepted survives export.
@Suite struct RoutingConfigurationTests {
    static let fingerprint = "SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"

    static func text(sender: String = "sender: { path: OUT }", agreement: String) -> String {
        """
        municipalities: [{ code: "0751", name: Aarhus }]
        systems:
          - name: fag
            inbox: { host: h, user: u, private_key: /k, host_key_fingerprints: [\(fingerprint)] }
            \(sender)
          - name: esdh
            inbox: { host: h, user: u, private_key: /k, host_key_fingerprints: [\(fingerprint)] }
        agreements:
          - \(agreement)
        """
    }

    static let good = "{ uuid: 1a6999a5-6ac2-46ae-8fce-6d45c5288089, system: esdh, municipality: \"0751\", service: file-transfer, sender: fag, infref: \"urn:x\", state: approved }"

    static func problems(_ text: String) -> String {
        do {
            _ = try ConfigurationFile.parse(text, path: "t.yaml")
            return ""
        } catch let error as ConfigurationError {
            return error.issues.map { "\($0.key): \($0.message)" }.joined(separator: "\n")
        } catch {
            return "\(error)"
        }
    }

    @Test func aGoodSenderAndAgreementAreReadAndSurviveExport() throws {
        let file = try ConfigurationFile.parse(Self.text(sender: "sender: { path: OUT, poll_interval: 30s, processed: move-to, move_to: OUT/done, untriggered_after: 2h }",
                                                         agreement: Self.good), path: "t.yaml")
        let sender = try #require(file.snapshot.systems.first { $0.name == "fag" }?.sender)
        #expect(sender == SenderSettings(path: "OUT", pollIntervalSeconds: 30, processed: .moveTo, moveTo: "OUT/done", untriggeredAfterSeconds: 7200))
        let agreement = try #require(file.snapshot.agreements.first)
        #expect(agreement.sender == "fag" && agreement.infRef == "urn:x" && agreement.service == "file-transfer")
        let again = try ConfigurationFile.parse(ConfigurationExport.yaml(file.snapshot), path: "t.yaml")
        #expect(again.snapshot.systems == file.snapshot.systems)
        #expect(again.snapshot.agreements == file.snapshot.agreements)
        #expect(ConfigurationDiff.between(file.snapshot, again.snapshot).isEmpty)
    }

    @Test(arguments: [
        (sender: "sender: { path: IN }", agreement: good, expected: "is the system's inbox"),
        (sender: "sender: { path: OUT, move_to: OUT/x }", agreement: good, expected: "move_to applies to processed: move-to only"),
        (sender: "sender: { processed: move-to }", agreement: good, expected: "processed: move-to needs move_to"),
        (sender: "sender: { processed: archive }", agreement: good, expected: "is not one of: delete, move-to"),
        (sender: "sender: { path: OUT, move_to: OUT, processed: move-to }", agreement: good, expected: "sender's own folder"),
        (sender: "sender: { path: ../other }", agreement: good, expected: "contains '..'"),
        (sender: "sender: { poll_interval: 0s }", agreement: good, expected: "sender.poll_interval"),
        (sender: "sender: { colour: blue }", agreement: good, expected: "unknown key 'colour'"),
        (sender: "", agreement: good, expected: "the system 'fag' sends nothing"),
        (sender: "sender: { path: OUT }", agreement: good.replacingOccurrences(of: ", infref: \"urn:x\"", with: ""), expected: "the key 'infref' is missing"),
        (sender: "sender: { path: OUT }", agreement: good.replacingOccurrences(of: "sender: fag", with: "sender: ukendt"), expected: "no system named 'ukendt'"),
        (sender: "sender: { path: OUT }", agreement: good.replacingOccurrences(of: "system: esdh", with: "system: fag"), expected: "does not send files to itself"),
        (sender: "sender: { path: OUT }", agreement: good.replacingOccurrences(of: "file-transfer", with: "cpr-extract"), expected: "sender applies to service file-transfer only"),
        (sender: "sender: { path: OUT }", agreement: good.replacingOccurrences(of: "urn:x", with: "urn:\\u001b[2J"), expected: "control character U+001B"),
    ])
    func mistakesAreNamedAtTheirKey(sender: String, agreement: String, expected: String) {
        let found = Self.problems(Self.text(sender: sender, agreement: agreement))
        #expect(found.contains(expected), "expected '\(expected)' in:\n\(found)")
    }
}
