import Foundation
@testable import Gateway
import SourceStubs
import Store
import Testing

/// What holds across calls: the KLE plan streamed whole, a configuration applied while
/// the gateway runs taking effect without a restart, and a keep-alive connection keeping
/// its caller's identity for exactly as long as it is open.
@Suite struct GatewayConnectionTests {
    static let klePlanContext = GatewayFixture.context(
        agreement: GatewayFixture.esdhKLEPlanAgreement, system: GatewayFixture.esdhSystem,
        municipality: GatewayFixture.aarhusUUID, service: ServiceCatalog.service(key: "kle-plan")!.uuid)

    @Test func klePlanStreamEqualsTheFullExtract() async throws {
        try await GatewayFixture.with { f in
            // Building the plan takes seconds of CPU in a debug build: not on the cooperative pool.
            let expected = try await testClients.run {
                var expected = MemorySink()
                _ = try KLEExtractWriter.writeFull(plan: KLEPlan(seed: 3, epoch: BusinessCalendarEpoch.epoch),
                                                   asOf: GatewayFixture.today, into: &expected)
                return expected
            }
            #expect(expected.bytes.count > 1_000_000, "the plan is a large response: \(expected.bytes.count) bytes")

            let plainFile = f.directory + "/plan.xml"
            let plain = try await f.get("/kle/plan", cert: "esdh-aarhus", headers: Self.klePlanContext, bodyFile: plainFile)
            #expect(plain.status == 200)
            #expect(plain.headers.lowercased().contains("content-type: application/xml; charset=utf-8"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: plainFile)) == Data(expected.bytes))

            let gzFile = f.directory + "/plan.xml.gz-decoded"
            let gz = try await f.get("/kle/plan", cert: "esdh-aarhus", headers: Self.klePlanContext, extra: ["--compressed"], bodyFile: gzFile)
            #expect(gz.status == 200 && gz.headers.lowercased().contains("content-encoding: gzip"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: gzFile)) == Data(expected.bytes))

            // sag-kbh's kle-plan agreement is terminated: its certificate gets nothing.
            let other = try await f.get("/kle/plan", headers: GatewayFixture.context(
                agreement: GatewayFixture.terminatedAgreement, service: ServiceCatalog.service(key: "kle-plan")!.uuid))
            #expect(other.status == 403 && !other.body.contains("KLE"))

            // Audited once its last byte has gone, which curl may see first.
            let rows = try await f.auditRows { $0.filter { $0.operation == "kle.plan" && $0.status == 200 }.count == 2 }
                .filter { $0.operation == "kle.plan" && $0.status == 200 }
            #expect(rows.count == 2 && rows.allSatisfy { $0.system == "esdh-aarhus" && $0.outcome == "ok" && $0.firstByteMs != nil })
            #expect(rows.contains { $0.bytes == expected.bytes.count })
        }
    }

    @Test func appliedConfigurationTakesEffectWithoutARestart() async throws {
        try await GatewayFixture.with { f in
            let (kbh, _) = GatewayFaultTests.pnrs()
            let path = "/cpr/persons/\(kbh)"
            #expect(try await f.get(path, headers: GatewayFixture.context()).status == 200)

            let approved = "service: cpr-lookup, state: approved }"
            let line = "- { uuid: \(GatewayFixture.cprAgreement), system: sag-kbh, municipality: \"0101\", "
            let terminated = f.configText.replacingOccurrences(of: line + approved, with: line + "service: cpr-lookup, state: terminated }")
            #expect(terminated != f.configText)
            try await f.apply(terminated)
            // Not before the directory's next refresh (every 5 s on the gateway's clock) ...
            await f.housekeepingSettled()
            #expect(try await f.get(path, headers: GatewayFixture.context()).status == 200)
            // ... and from it on.
            f.manual.advance(by: .seconds(5))
            var refused = try await f.get(path, headers: GatewayFixture.context())
            _ = try await eventually {
                refused = try await f.get(path, headers: GatewayFixture.context())
                return refused.status == 403
            }
            #expect(refused.status == 403 && refused.body.contains("terminated") && !refused.body.contains(kbh))

            try await f.apply(f.configText)
            await f.housekeepingSettled()
            f.manual.advance(by: .seconds(5))
            var again = try await f.get(path, headers: GatewayFixture.context())
            _ = try await eventually {
                again = try await f.get(path, headers: GatewayFixture.context())
                return again.status == 200
            }
            #expect(again.status == 200 && again.body.contains(kbh))
        }
    }

    @Test func aKeepAliveConnectionKeepsItsIdentityUntilItCloses() async throws {
        try await GatewayFixture.with { f in
            let (kbh, aarhus) = GatewayFaultTests.pnrs()
            let connections = f.server.handler.connections

            // Three calls on one connection (curl reuses it: num_connects 0 after the first),
            // then a call with another certificate on a new one: each answered as its own caller.
            let (status, output) = try await Self.curlKeepAlive(f, cert: "sag-kbh", headers: GatewayFixture.context(),
                                                                paths: ["/cpr/persons/\(kbh)", "/cpr/persons/\(aarhus)", "/cpr/persons/\(kbh)"])
            #expect(status == 0)
            #expect(output.split(separator: "\n") == ["200 1", "404 0", "200 0"], "\(output)")
            let esdh = try await f.get("/cpr/persons/\(aarhus)", cert: "esdh-aarhus", headers: GatewayFixture.context(
                agreement: GatewayFixture.esdhCPRAgreement, system: GatewayFixture.esdhSystem, municipality: GatewayFixture.aarhusUUID))
            #expect(esdh.status == 200 && esdh.body.contains(aarhus))
            let mixed = try await f.get("/cpr/persons/\(kbh)", cert: "esdh-aarhus", headers: GatewayFixture.context())
            #expect(mixed.status == 403 && !mixed.body.contains(kbh))

            // Closed connections leave nothing behind.
            #expect(await eventually { connections.count == 0 })
            let rows = try await f.auditRows().filter { $0.operation == "cpr.person" }
            #expect(rows.filter { $0.system == "sag-kbh" }.count == 3)
            #expect(rows.filter { $0.system == "esdh-aarhus" }.count == 1)
        }
    }

    /// One curl invocation for several paths (one keep-alive connection), printing each
    /// answer's status and how many new connections it needed.
    static func curlKeepAlive(_ f: GatewayFixture, cert: String, headers: [String: String], paths: [String]) async throws -> (Int32, String) {
        var args = ["-s", "-w", "%{http_code} %{num_connects}\\n", "--cacert", "\(f.certs)/ca.pem",
                    "--cert", "\(f.certs)/\(cert).pem", "--key", "\(f.certs)/\(cert).key", "--max-time", "120"]
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(k): \(v)"] }
        // One -o per URL, so the bodies do not mix with the status lines.
        for p in paths { args += ["-o", "/dev/null", "https://127.0.0.1:\(f.port)\(p)"] }
        let all = args
        return try await testClients.run { try run("/usr/bin/curl", all) }
    }
}
