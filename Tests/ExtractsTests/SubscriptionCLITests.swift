import BusinessCalendar
import Foundation
import SFTPClient
import SourceStubs
import Testing
import UdtraekTesting

/// `udtraek subscriptions` through the real process: an operator changes and reconciles a
/// subscription, every refusal says what is wrong and changes nothing, and the initial load
/// is produced as a run of its own.
@Suite struct SubscriptionCLITests {
    @Test func anOperatorFollowsAndReconciles() async throws {
        let dir = NSTemporaryDirectory() + "udtraek-subscription-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try SSHKeys.generate(.ed25519, at: dir + "/modtager")
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 2000 } }
            municipalities: [{ code: "0101", name: København }, { code: "0751", name: Aarhus }]
            systems:
              - name: modtager
                inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: modtager, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            agreements:
              - { uuid: 7c8d9e0f-1a2b-4c3d-a4e5-f6a7b8c9d0e1, system: modtager, municipality: "0101", service: cpr-subscription, state: approved }
            extracts:
              - { name: kbh-abonnement, source: cpr, kind: subscription, system: modtager, municipality: "0101", compression: none, task_number: 42 }
            """.write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let state = ["--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        func cli(_ args: [String]) async throws -> (status: Int32, output: String) {
            let r = try await UdtraekCLI.runDetached(args + state)
            return (r.status, r.output)
        }
        #expect(try await cli(["config", "apply"]).status == 0)
        // PNRs the register holds today (the CLI's today is the real one).
        let population = try CPRPopulation(seed: 7, size: 2000, epoch: CivilDate(year: 2020, month: 1, day: 1)!)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen")!
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = try #require(CivilDate(year: c.year!, month: c.month!, day: c.day!))
        let pnrs = (0..<400).compactMap { population.pnr(ofIndex: $0) }.filter { population.person(pnr: $0, on: today) != nil }
        let (a, b, d) = (pnrs[0], pnrs[1], pnrs[2])

        let added = try await cli(["subscriptions", "add", "modtager", "--pnr", a, "--json"])
        #expect(added.status == 0 && added.output.contains("\"result\" : \"ADDED\""), "\(added.output)")
        let again = try await cli(["subscriptions", "add", "modtager", "--pnr", a])
        #expect(again.status == 0 && again.output.contains("ALREADY_EXISTED"), "\(again.output)")
        let malformed = try await cli(["subscriptions", "add", "modtager", "--pnr", "12345"])
        #expect(malformed.status != 0 && malformed.output.contains("ten digits"), "\(malformed.output)")
        let otherMunicipality = try await cli(["subscriptions", "add", "modtager", "--municipality", "0751"])
        #expect(otherMunicipality.status != 0 && otherMunicipality.output.contains("0101"), "\(otherMunicipality.output)")
        let nobody = try await cli(["subscriptions", "add", "modtager", "--pnr", "0000000000"])
        #expect(nobody.status == 3 && nobody.output.contains("NON_EXISTING_PNR"), "\(nobody.output)")
        #expect(try await cli(["subscriptions", "add", "modtager", "--change-code", "A05"]).status == 0)

        // A malformed line stops the reconciliation with its number; nothing changes.
        try "# followed\n\(b)\n01-0190-1234\n".write(toFile: dir + "/bad.txt", atomically: true, encoding: .utf8)
        let bad = try await cli(["subscriptions", "reconcile", "modtager", "--pnrs", dir + "/bad.txt"])
        #expect(bad.status != 0 && bad.output.contains("line 3"), "\(bad.output)")
        try "# followed\n\(b)\n\n\(d)\n0000000000\n".write(toFile: dir + "/pnrs.txt", atomically: true, encoding: .utf8)
        let dry = try await cli(["subscriptions", "reconcile", "modtager", "--pnrs", dir + "/pnrs.txt", "--dry-run"])
        #expect(dry.output.contains("2 PNR(s) would be added, 1 removed"), "\(dry.output)")
        let reconciled = try await cli(["subscriptions", "reconcile", "modtager", "--pnrs", dir + "/pnrs.txt", "--json"])
        #expect(reconciled.status == 0, "\(reconciled.output)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(reconciled.output.utf8.drop { $0 != UInt8(ascii: "[") })) as? [[String: Any]])
        #expect(outcome.first?["added"] as? [String] == [b, d].sorted())
        #expect(outcome.first?["removed"] as? [String] == [a])
        #expect(outcome.first?["non_existing"] as? [String] == ["0000000000"])

        let list = try await cli(["subscriptions", "list", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8.drop { $0 != UInt8(ascii: "[") })) as? [[String: Any]])
        #expect(rows.first?["pnrs"] as? Int == 2 && rows.first?["change_codes"] as? Int == 1, "\(list.output)")
        let shown = try await cli(["subscriptions", "show", "modtager"])
        #expect(shown.output.contains("change codes: A05") && shown.output.contains("kbh-abonnement"), "\(shown.output)")
        let audit = try await cli(["audit", "--action", "subscription.reconcile"])
        #expect(audit.output.contains("2 PNR(s) added, 1 removed"), "\(audit.output)")

        // The initial load: a run of its own, a status file named with S.
        let load = try await cli(["subscriptions", "initial-load", "modtager", "--no-deliver", "--json"])
        #expect(load.status == 0, "\(load.output)")
        #expect(load.output.contains("kbh-abonnement/initial-load") && load.output.contains("\"file_name\" : \"S"), "\(load.output)")
    }
}
