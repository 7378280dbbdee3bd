import Foundation
import Store
import Testing
import UdtraekTesting

/// `udtraek gateway calls` and `udtraek gateway targets` against a state directory with
/// audited calls, as a helpdesk operator runs them; and old rows leaving at their retention.
@Suite struct GatewayCLITests {
    static func call(_ op: String, _ service: String, system: String?, status: Int, outcome: String, ms: Double,
                     breach: String? = nil, at: Date = Date()) -> GatewayCall {
        GatewayCall(at: at, requestID: UUID().uuidString.lowercased(), operation: op, system: system,
                    certificate: system == nil ? "CN=stranger sha256:00" : nil, municipality: system == nil ? nil : "0101",
                    agreementUUID: nil, service: service, onBehalfOfUser: system == nil ? nil : "sagsbehandler-1",
                    callersCallID: "tx", status: status, outcome: outcome, durationMs: ms, bytes: 700, breach: breach)
    }

    @Test func callsAndTargets() async throws {
        let dir = NSTemporaryDirectory() + "udtraek-gateway-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (certs, fingerprint) = try await GatewayFixture.pki()
        // `config apply` checks the key files (issue 11): a real one, never used here.
        #expect(try await UdtraekCLI.runDetached(["keys", "generate", "sag-kbh", "--out", dir + "/key"]).status == 0)
        try GatewayFixture.config(certs: certs, fingerprint: fingerprint, persons: 1000, cap: 8, grace: 5)
            .replacingOccurrences(of: "/nonexistent", with: dir + "/key")
            .write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let state = ["--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        #expect(try await UdtraekCLI.runDetached(["config", "apply"] + state).status == 0)
        let store = try Store(stateDirectory: dir + "/state")
        var calls: [GatewayCall] = []
        for i in 0..<98 { calls.append(Self.call("cpr.person", "cpr-lookup", system: "sag-kbh", status: 200, outcome: "ok", ms: Double(i % 10) + 0.5)) }
        calls.append(Self.call("cpr.person", "cpr-lookup", system: "sag-kbh", status: 504, outcome: "timeout", ms: 1003, breach: "server"))
        calls.append(Self.call("cpr.population", "cpr-population", system: "sag-kbh", status: 200, outcome: "client-too-slow", ms: 9000, breach: "client"))
        calls.append(Self.call("cpr.person", "cpr-lookup", system: nil, status: 403, outcome: "forbidden", ms: 0.2))
        calls.append(Self.call("cpr.person", "cpr-lookup", system: "sag-kbh", status: 200, outcome: "ok", ms: 1, at: Date().addingTimeInterval(-3 * 86_400)))
        try store.recordGatewayCalls(calls)

        let table = try await UdtraekCLI.runDetached(["gateway", "calls", "--limit", "5"] + state)
        #expect(table.status == 0 && table.output.contains("OPERATION") && table.output.contains("(CN=stranger"), "\(table.output)")
        let breaches = try await UdtraekCLI.runDetached(["gateway", "calls", "--breaches", "--json"] + state)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(breaches.output.utf8)) as? [[String: Any]], "\(breaches.output)")
        #expect(Set(rows.compactMap { $0["outcome"] as? String }) == ["timeout", "client-too-slow"])
        let forbidden = try await UdtraekCLI.runDetached(["gateway", "calls", "--outcome", "forbidden", "--json"] + state)
        #expect((try JSONSerialization.jsonObject(with: Data(forbidden.output.utf8)) as? [Any])?.count == 1)
        let bad = try await UdtraekCLI.runDetached(["gateway", "calls", "--outcome", "fine"] + state)
        #expect(bad.status != 0 && bad.output.contains("--outcome must be one of"))
        let unknown = try await UdtraekCLI.runDetached(["gateway", "calls", "--system", "nobody"] + state)
        #expect(unknown.status != 0 && unknown.output.contains("no system named 'nobody'"))

        // The last day: the unauthorised call and the three-day-old one are not counted.
        let targets = try await UdtraekCLI.runDetached(["gateway", "targets", "--json"] + state)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(targets.output.utf8)) as? [[String: Any]], "\(targets.output)")
        let person = try #require(summary.first { $0["operation"] as? String == "cpr.person" })
        #expect(person["calls"] as? Int == 99 && person["server_breaches"] as? Int == 1 && person["service_class"] as? String == "simple")
        #expect(person["p50_ms"] as? Double == 4.5 && person["max_ms"] as? Double == 1003)
        let population = try #require(summary.first { $0["operation"] as? String == "cpr.population" })
        #expect(population["client_breaches"] as? Int == 1 && population["server_breaches"] as? Int == 0)
        // A period beyond what a date can hold is refused, not a trap.
        for hours in ["1e300", "inf", "nan", "0"] {
            let refused = try await UdtraekCLI.runDetached(["gateway", "targets", "--hours", hours] + state)
            #expect(refused.status != 0 && refused.output.contains("--hours must be more than 0 and at most 8784"), "\(hours): \(refused.output)")
        }
        let table2 = try await UdtraekCLI.runDetached(["gateway", "targets"] + state)
        #expect(table2.status == 0 && table2.output.contains("simple 1.0 s") && table2.output.contains("1.01%"), "\(table2.output)")

        // Retention: rows older than the cut-off leave in batches; newer ones stay.
        #expect(try store.pruneGatewayCalls(before: Date().addingTimeInterval(-86_400), batch: 1) == 1)
        #expect(try store.gatewayCalls(limit: 1000).count == calls.count - 1)
        #expect(try store.pruneGatewayCalls(before: Date().addingTimeInterval(60), batch: 7) == calls.count - 1)
        #expect(try store.gatewayCalls(limit: 1000).isEmpty)
    }
}
