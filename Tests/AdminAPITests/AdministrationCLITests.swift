import Foundation
import SFTPClient
import Testing
import UdtraekTesting

/// The administration module through the real `udtraek` process: an operator sets up the
/// organisations and users, each person acts with their own token from the environment,
/// and the exit status says the kind of refusal.
@Suite struct AdministrationCLITests {
    @Test func theLifecycleFromTheCommandLine() async throws {
        let dir = NSTemporaryDirectory() + "udtraek-admin-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try SSHKeys.generate(.ed25519, at: dir + "/esdh-aarhus")
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 500 } }
            municipalities: [{ code: "0751", name: Aarhus }]
            systems:
              - name: esdh-aarhus
                supplier: "cvr:12345678"
                inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: esdh-aarhus, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            """.write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let state = ["--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        func cli(_ args: [String], as token: String? = nil) async throws -> (status: Int32, output: String) {
            let r = try await UdtraekCLI.runDetached(args + state, environment: token.map { ["UDTRAEK_TOKEN": $0] } ?? [:])
            return (r.status, r.output)
        }
        #expect(try await cli(["config", "apply"]).status == 0)
        #expect(try await cli(["orgs", "add", "--cvr", "12345678", "--name", "Systemhuset"]).status == 0)
        #expect(try await cli(["orgs", "add", "--municipality", "0751", "--notice-address", "it@aarhus.dk"]).status == 0)
        #expect(try await cli(["users", "add", "--organisation", "cvr:12345678", "--name", "Sofie", "--role", "user"]).status == 0)
        #expect(try await cli(["users", "add", "--organisation", "kommune:0751", "--name", "Karen", "--role", "signatory"]).status == 0)
        #expect(try await cli(["users", "add", "--organisation", "kommune:0751", "--name", "Mads", "--role", "user"]).status == 0)
        func token(_ user: Int) async throws -> String {
            let made = try await cli(["users", "token", "create", "--user", "\(user)", "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(made.output.utf8.drop { $0 != UInt8(ascii: "[") })) as? [[String: Any]])
            return try #require(rows.first?["token"] as? String)
        }
        let sofie = try await token(1), karen = try await token(2), mads = try await token(3)

        // The operator at the machine may not request on the supplier's behalf (66: forbidden).
        let byOperator = try await cli(["agreements", "request", "--system", "esdh-aarhus", "--service", "cpr-extract", "--municipality", "0751"])
        #expect(byOperator.status == 66 && byOperator.output.contains("supplier"))
        let requested = try await cli(["agreements", "request", "--system", "esdh-aarhus", "--service", "cpr-extract", "--municipality", "0751", "--json"], as: sofie)
        #expect(requested.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(requested.output.utf8.drop { $0 != UInt8(ascii: "[") })) as? [[String: Any]])
        let uuid = try #require(rows.first?["uuid"] as? String)

        #expect(try await cli(["agreements", "approve", uuid], as: mads).status == 66)
        #expect(try await cli(["agreements", "approve", uuid], as: sofie).status == 66)
        #expect(try await cli(["agreements", "approve", uuid], as: "udt_" + String(repeating: "0", count: 64)).status != 0)
        let approved = try await cli(["agreements", "approve", uuid], as: karen)
        #expect(approved.status == 0 && approved.output.contains("in force"))
        #expect(try await cli(["agreements", "approve", uuid], as: karen).status == 67)
        let shown = try await cli(["agreements", "show", uuid], as: sofie)
        #expect(shown.output.contains("requested") && shown.output.contains("approved") && shown.output.contains("Karen"))
        // Another supplier's view: not found (65), as if it did not exist.
        #expect(try await cli(["orgs", "add", "--cvr", "87654321", "--name", "Other"]).status == 0)
        #expect(try await cli(["users", "add", "--organisation", "cvr:87654321", "--name", "Other", "--role", "user"]).status == 0)
        let other = try await token(4)
        #expect(try await cli(["agreements", "show", uuid], as: other).status == 65)
        let listed = try await cli(["agreements", "list", "--json"], as: other)
        #expect(listed.status == 0 && !listed.output.contains(uuid))
        let revoked = try await cli(["users", "token", "revoke", "4"])
        #expect(revoked.status == 0)
        #expect(try await cli(["agreements", "list"], as: other).status != 0)
    }
}
