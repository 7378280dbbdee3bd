import Foundation
import Gateway
import Store
import Testing

/// Service targets enforced against a real server: deadlines with an injected clock, a
/// deliberately slow client, and the per-system concurrency cap.
@Suite struct GatewayServiceTargetTests {
    @Test func deadlineExceededAnswers504() async throws {
        // Every clock reading is 1.1 s after the last: no call can finish within 1 s.
        let f = try await GatewayFixture(clock: SteppingClock(step: .milliseconds(1100)))
        defer { Task { await f.stop() } }
        let (kbh, _) = GatewayFaultTests.pnrs()
        let a = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
        #expect(a.status == 504 && a.body.contains("service-target-exceeded") && !a.body.contains(kbh))
        // The auditor writes in batches (every 100 ms); wait for the batch, however busy the machine.
        var rows = try f.auditRows()
        for _ in 0..<100 where rows.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            rows = try f.auditRows()
        }
        let row = try #require(rows.first)
        #expect(row.outcome == "timeout" && row.breach == "server")
        #expect(f.server.breaches.counts(service: "cpr-lookup").breaches == 1)
    }

    @Test func searchBeyondItsLimitIsCancelled() async throws {
        // A medium limit of 1 ms: the search checks its deadline as it scans and gives up.
        let f = try await GatewayFixture(persons: 100_000, targets: ServiceTargets(medium: .milliseconds(1)))
        defer { Task { await f.stop() } }
        let a = try await f.get("/cpr/persons?name=zzzz", headers: GatewayFixture.context())
        #expect(a.status == 504)
    }

    @Test func slowClientIsDisconnectedAndCapHolds() async throws {
        let f = try await GatewayFixture(persons: 400_000, cap: 1, grace: 1)
        defer { Task { await f.stop() } }
        let ctx = GatewayLargeResponseTests.populationContext
        // A client reading at 20 kB/s, far below 200 kB/s, holding the system's one slot.
        async let slow = f.get("/cpr/population?format=cpr", headers: ctx, extra: ["--limit-rate", "20k"],
                               bodyFile: f.directory + "/slow")
        try await Task.sleep(for: .milliseconds(700))
        let (kbh, _) = GatewayFaultTests.pnrs(persons: 400_000)
        let refused = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
        #expect(refused.status == 429 && refused.headers.lowercased().contains("retry-after: 1"))
        let started = Date()
        let cut = try await slow
        #expect(cut.exit != 0, "curl should see the connection cut")
        // Cut by the watchdog, long before the whole response at 20 kB/s (minutes); generous
        // because other suites load the machine.
        #expect(Date().timeIntervalSince(started) < 120)
        let rows = try f.auditRows()
        let row = try #require(rows.first { $0.operation == "cpr.population" })
        #expect(row.outcome == "client-too-slow" && row.breach == "client")
        // The slot is free again once the slow client is gone.
        let again = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
        #expect(again.status == 200)
    }
}

/// The pure parts: context parsing, name matching, rate verdicts, alarms.
@Suite struct GatewayLogicTests {
    @Test func contextParsing() throws {
        let good = ["ServiceAgreementUUID": "bd71a7fa-222d-4f84-9142-2a011a710026", "UserSystemUUID": "240164c6-3999-4b65-b20d-8a3c7f4a25d3",
                    "UserUUID": "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "ServiceUUID": "c4e1a8f2-7d39-4b65-a0c2-9e8f7d6c5b42"]
        #expect(try InvocationContext.parse { good[$0] }.get().userUUID == "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b")
        var bad = good
        bad["UserUUID"] = "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4"
        #expect(throws: GatewayFault.self) { try InvocationContext.parse { bad[$0] }.get() }
        bad = good
        bad["AccountingInfo"] = String(repeating: "æ", count: 256)
        if case .failure(let f) = InvocationContext.parse({ bad[$0] }) { #expect(f.field == "AccountingInfo") } else { Issue.record("accepted 256 characters") }
    }

    @Test func rateVerdicts() {
        let p = TransferRatePolicy(minimumRate: 200_000, grace: .seconds(2))
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(1), writeBlocked: true) == .ok)  // within grace
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(2), writeBlocked: true) == .clientTooSlow)
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(2), writeBlocked: false) == .serverTooSlow)
        #expect(p.verdict(bytesThen: 0, bytesNow: 500_000, window: .seconds(2), writeBlocked: true) == .ok)
    }

    @Test func alarmOnceAboveShare() {
        final class Sink: BreachAlarmSink, @unchecked Sendable {
            var alarms: [BreachAlarm] = []
            func raise(_ alarm: BreachAlarm) { alarms.append(alarm) }
        }
        let sink = Sink()
        let m = BreachMonitor(threshold: 0.1, minimumCalls: 10, sink: sink)
        for i in 0..<20 { m.record(service: "cpr-lookup", operation: "cpr.person", durationNs: 1_000_000, breach: i % 5 == 0 ? "server" : nil) }  // 20% breaches
        for _ in 0..<5 { m.record(service: "cpr-lookup", operation: "cpr.person", durationNs: 1_000_000, breach: "client") }  // client side: not the platform's
        #expect(sink.alarms.count == 1 && sink.alarms[0].service == "cpr-lookup")
        #expect(m.counts(service: "cpr-lookup").breaches == 4)
    }

    @Test func fingerprints() {
        #expect(SystemCertificate.normaliseFingerprint("SHA256:" + Array(repeating: "AB", count: 32).joined(separator: ":")) == "sha256:" + String(repeating: "ab", count: 32))
        #expect(SystemCertificate.normaliseFingerprint("sha256:abc") == nil)
    }
}
