import Foundation
@testable import Gateway
import Runtime
import SourceStubs
import Store
import Synchronization
import Testing

/// Service targets enforced against a real server, every limit judged on a clock the test
/// moves: deadlines, a search the executor cannot get to in time, the first byte of a large
/// response, a deliberately slow client cut by the watchdog, and breach alarms.
@Suite struct GatewayServiceTargetTests {
    @Test func deadlineExceededAnswers504() async throws {
        // Every clock reading is 1.1 s after the last: no call can finish within 1 s.
        try await GatewayFixture.with(step: .milliseconds(1100)) { f in
            let (kbh, _) = GatewayFaultTests.pnrs()
            let a = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
            #expect(a.status == 504 && a.body.contains("service-target-exceeded") && !a.body.contains(kbh))
            // The row is recorded before the answer goes out; reading flushes it.
            let row = try #require(try await f.auditRows().first)
            #expect(row.outcome == "timeout" && row.breach == "server")
            #expect(f.server.breaches.counts(service: "cpr-lookup").breaches == 1)
        }
    }

    @Test func searchBeyondItsLimitIsCancelled() async throws {
        // The search checks its deadline as it scans; each check reads a clock that has
        // moved past the medium limit since the call began.
        try await GatewayFixture.with(persons: 100_000, step: .seconds(2)) { f in
            let a = try await f.get("/cpr/persons?name=zzzz", headers: GatewayFixture.context())
            #expect(a.status == 504 && a.body.contains("service-target-exceeded"), "\(a.body)")
        }
    }

    @Test func aSearchTheExecutorCannotStartIsAnswered504AtItsDeadline() async throws {
        let stalled = StalledExecutor()
        try await GatewayFixture.with(executor: stalled.executor) { f in
            await f.housekeepingSettled()
            await stalled.stall()
            defer { stalled.release() }
            async let answer = f.get("/cpr/persons?name=a", headers: GatewayFixture.context())
            // The call waits for its deadline on the clock, its search still in the queue.
            await f.manual.waitForSleepers(atLeast: GatewayFixture.housekeepers + 1)
            f.manual.advance(by: ServiceTargets().medium + .milliseconds(1))
            let a = try await answer
            stalled.release()
            #expect(a.status == 504 && a.body.contains("service-target-exceeded"), "\(a.body)")
            let row = try #require(try await f.auditRows().first { $0.operation == "cpr.search" })
            #expect(row.outcome == "timeout" && row.breach == "server")
        }
    }

    @Test func aLargeResponseWithoutItsFirstByteInTimeIs504() async throws {
        let stalled = StalledExecutor()
        try await GatewayFixture.with(executor: stalled.executor) { f in
            await f.housekeepingSettled()
            await stalled.stall()
            defer { stalled.release() }
            async let answer = f.get("/cpr/population?format=cpr", headers: GatewayLargeResponseTests.populationContext)
            await f.manual.waitForSleepers(atLeast: GatewayFixture.housekeepers + 1)
            // Just short of the limit: still waiting.
            f.manual.advance(by: ServiceTargets().largeFirstByte - .milliseconds(1))
            #expect(f.server.callsInFlight(system: "sag-kbh") == 1)
            f.manual.advance(by: .milliseconds(2))
            let a = try await answer
            stalled.release()
            #expect(a.status == 504 && a.body.contains("service-target-exceeded"), "\(a.body)")
            #expect(!a.headers.lowercased().contains("text/plain"))
            #expect(await eventually { f.server.callsInFlight(system: "sag-kbh") == 0 })
        }
    }

    @Test func slowClientIsDisconnectedAndCapHolds() async throws {
        try await GatewayFixture.with(persons: 400_000, cap: 1, grace: 1) { f in
            await f.housekeepingSettled()
            let bodyFile = f.directory + "/slow"
            // A client reading at 20 kB/s, far below 200 kB/s, holding the system's one slot.
            let finished = Flag()
            let slow = Self.slowClient(f, bodyFile: bodyFile, finished: finished)
            let holding = await eventually { f.server.callsInFlight(system: "sag-kbh") == 1 }
            try #require(holding, "the slow client never held its slot")
            let (kbh, _) = GatewayFaultTests.pnrs(persons: 400_000)
            let refused = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
            #expect(refused.status == 429 && refused.headers.lowercased().contains("retry-after: 1"))

            let started = await eventually { Self.size(of: bodyFile) > 0 }
            try #require(started, "the slow client received nothing")
            let steps = await Self.moveTimeUntilTheWatchdogCuts(f, finished: finished)
            let cut = try await slow.value
            #expect(cut.exit != 0, "curl should see the connection cut (after \(steps) steps)")
            let rows = try await f.auditRows { $0.contains { $0.operation == "cpr.population" } }
            let row = try #require(rows.first { $0.operation == "cpr.population" })
            #expect(row.outcome == "client-too-slow" && row.breach == "client")
            // The slot is free again once the slow client is gone.
            #expect(await eventually { f.server.callsInFlight(system: "sag-kbh") == 0 })
            let again = try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context())
            #expect(again.status == 200)
        }
    }

    static func slowClient(_ f: GatewayFixture, bodyFile: String, finished: Flag) -> Task<GatewayFixture.Answer, any Error> {
        Task {
            defer { finished.raise() }
            return try await f.get("/cpr/population?format=cpr", headers: GatewayLargeResponseTests.populationContext,
                                   extra: ["--limit-rate", "20k"], bodyFile: bodyFile)
        }
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// With the stream under way (its first-byte timer gone), the only sleeper besides the
    /// housekeeping is the watchdog. Time moves a quarter of the grace period at a time,
    /// each step once the watchdog sleeps again, until the watchdog has seen a whole grace
    /// period slower than the minimum and cut (the client's call ends). Returns the steps.
    static func moveTimeUntilTheWatchdogCuts(_ f: GatewayFixture, finished: Flag) async -> Int {
        var steps = 0
        while steps < 4000 {
            let watchdogAsleep = await eventually {
                finished.isRaised || f.manual.sleeperCount >= GatewayFixture.housekeepers + 1
            }
            if finished.isRaised || !watchdogAsleep { break }
            f.manual.advance(by: .milliseconds(250))
            steps += 1
        }
        return steps
    }

    @Test func breachesAboveTheShareRaiseOneAlarm() async throws {
        final class Sink: BreachAlarmSink {
            let alarms = Mutex<[BreachAlarm]>([])
            func raise(_ alarm: BreachAlarm) { alarms.withLock { $0.append(alarm) } }
        }
        let sink = Sink()
        // Every call misses its 1 s target (each reading of the clock moves it 1.1 s).
        try await GatewayFixture.with(step: .milliseconds(1100), alarms: sink) { f in
            let (kbh, _) = GatewayFaultTests.pnrs()
            for _ in 0..<20 {
                #expect(try await f.get("/cpr/persons/\(kbh)", headers: GatewayFixture.context()).status == 504)
            }
            // Raised on the executor, off the calls' path.
            #expect(await eventually { sink.alarms.withLock { $0.count } == 1 })
            let alarm = try #require(sink.alarms.withLock { $0.first })
            #expect(alarm.service == "cpr-lookup" && alarm.breaches == 20 && alarm.calls == 20)
        }
    }
}

/// The pure parts: context parsing, paging, name matching, rate verdicts, alarms.
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
        bad = good
        bad["OnBehalfOfUser"] = "  "
        #expect(try InvocationContext.parse { bad[$0] }.get().onBehalfOfUser == nil)
    }

    @Test(arguments: [
        ("461168601842738792", nil, "page"), (String(Int.max), nil, "page"), ("9223372036854775808", nil, "page"),
        ("0", nil, "page"), ("-1", nil, "page"), ("abc", nil, "page"), ("", nil, "page"), ("10000001", nil, "page"),
        (nil, "0", "pageSize"), (nil, "101", "pageSize"), (nil, String(Int.min), "pageSize"), (nil, "x", "pageSize"),
    ] as [(String?, String?, String)])
    func pagingOutsideItsRangeIsRefused(_ page: String?, _ pageSize: String?, _ field: String) throws {
        guard case .failure(let fault) = SearchPage.parse(page: page, pageSize: pageSize) else {
            Issue.record("accepted page \(page ?? "-") pageSize \(pageSize ?? "-")")
            return
        }
        #expect(fault.status == 400 && fault.field == field)
        #expect(fault.message.contains(field == "page" ? "from 1 to 10000000" : "from 1 to 100"), "\(fault.message)")
    }

    @Test func thePagesAtTheEdgesAreAccepted() throws {
        #expect(try SearchPage.parse(page: nil, pageSize: nil).get() == SearchPage(number: 1, size: 20))
        let last = try SearchPage.parse(page: "10000000", pageSize: "100").get()
        #expect(last.skip == 999_999_900)
    }

    @Test func searchesCheckTheirDeadlineAsTheyScan() async throws {
        try await testClients.run { try Self.checkSearchDeadline() }
    }

    static func checkSearchDeadline() throws {
        let cpr = CPRService(population: try CPRPopulation(seed: 7, size: 20_000, epoch: BusinessCalendarEpoch.epoch))
        let query = try SearchQuery.parse(name: nil, road: "a", page: nil, pageSize: "5").get()
        let manual = ManualClock()
        let fresh = Deadline(clock: manual.clock, start: manual.now, limit: .seconds(1))
        let page = String(decoding: try cpr.search(query, municipality: "0101", on: GatewayFixture.today, deadline: fresh), as: UTF8.self)
        #expect(page.contains("\"hasMore\":true"))
        // A deadline that has passed stops the scan at its first check.
        let passed = Deadline(clock: manual.clock, start: manual.now.advanced(by: .seconds(-2)), limit: .seconds(1))
        #expect(throws: GatewayFault.timeout(limit: .seconds(1))) {
            try cpr.search(query, municipality: "0101", on: GatewayFixture.today, deadline: passed)
        }
    }

    @Test func anyTenDigitsAreALookupNotATrap() async throws {
        #expect(try await testClients.run { try Self.lookUpEveryShapeOfPNR() } == 100 * 15 * 8 * 4)
    }

    /// Every day and month field, each century digit and the birth serials, through the
    /// PNR decoder a caller reaches with /cpr/persons/{pnr}; returns how many were answered.
    static func lookUpEveryShapeOfPNR() throws -> Int {
        let cpr = CPRService(population: try CPRPopulation(seed: 7, size: 1000, epoch: BusinessCalendarEpoch.epoch))
        var answered = 0
        for dd in 0...99 {
            for mm in stride(from: 0, through: 99, by: 7) {
                for serial in ["0000", "3999", "4000", "4999", "5000", "8000", "8999", "9999"] {
                    for yy in ["00", "36", "57", "99"] {
                        let pnr = String(format: "%02d%02d", dd, mm) + yy + serial
                        switch cpr.person(pnr: pnr, municipality: "0101", on: GatewayFixture.today) {
                        case .success, .failure: answered += 1
                        }
                    }
                }
            }
        }
        return answered
    }

    @Test func rateVerdicts() {
        let p = TransferRatePolicy(minimumRate: 200_000, grace: .seconds(2))
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(1), writeBlocked: true) == .ok)  // within grace
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(2), writeBlocked: true) == .clientTooSlow)
        #expect(p.verdict(bytesThen: 0, bytesNow: 100_000, window: .seconds(2), writeBlocked: false) == .serverTooSlow)
        #expect(p.verdict(bytesThen: 0, bytesNow: 500_000, window: .seconds(2), writeBlocked: true) == .ok)
    }

    @Test func alarmOnceAboveShare() {
        final class Sink: BreachAlarmSink {
            let alarms = Mutex<[BreachAlarm]>([])
            func raise(_ alarm: BreachAlarm) { alarms.withLock { $0.append(alarm) } }
        }
        let sink = Sink()
        let m = BreachMonitor(threshold: 0.1, minimumCalls: 10, sink: sink)
        for i in 0..<20 { m.record(service: "cpr-lookup", operation: "cpr.person", duration: .milliseconds(1), breach: i % 5 == 0 ? "server" : nil) }  // 20% breaches
        for _ in 0..<5 { m.record(service: "cpr-lookup", operation: "cpr.person", duration: .milliseconds(1), breach: "client") }  // client side: not the platform's
        let alarms = sink.alarms.withLock { $0 }
        #expect(alarms.count == 1 && alarms[0].service == "cpr-lookup")
        #expect(m.counts(service: "cpr-lookup").breaches == 4)
    }

    @Test func todayIsCopenhagensDayOnTheClock() {
        // 22:59:59 UTC on 23 November is 23:59:59 in Copenhagen; a second later it is the 24th.
        let manual = ManualClock(start: Date(timeIntervalSince1970: 1_795_431_600 + 11 * 3600 + 59 * 60 + 59))
        let day = CopenhagenDay(clock: manual.clock)
        #expect(day.today() == GatewayFixture.today)
        manual.advance(by: .seconds(1))
        #expect(day.today() == GatewayFixture.today.adding(days: 1))
        // A wall clock stepped back (NTP) is asked again, not answered from the cache.
        manual.stepWallClock(by: -3600)
        #expect(day.today() == GatewayFixture.today)
    }

    @Test func fingerprints() {
        #expect(SystemCertificate.normaliseFingerprint("SHA256:" + Array(repeating: "AB", count: 32).joined(separator: ":")) == "sha256:" + String(repeating: "ab", count: 32))
        #expect(SystemCertificate.normaliseFingerprint("sha256:abc") == nil)
    }
}
