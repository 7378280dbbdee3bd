import BusinessCalendar
import Extracts
import Foundation
import Runtime
import SourceStubs
import Store
import Testing
import UdtraekConfig
import UdtraekTesting

/// A subscription's daily files, produced by the extract runner as every extract is, and
/// read back by an independent parser (Tests/cpr-subscription-check.py, which shares no code
/// with the writer) against the municipality change extract of the same day.
@Suite struct SubscriptionFileTests {
    static let subscription = "7c8d9e0f-1a2b-4c3d-a4e5-f6a7b8c9d0e1"

    static func config(subscriptionState: String = "approved") -> String {
        """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 50000 }, kle: { seed: 3 } }
        municipalities:
          - { code: "0101", name: København }
          - { code: "0751", name: Aarhus }
        systems:
          - name: modtager
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        agreements:
          - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
          - { uuid: \(subscription), system: modtager, municipality: "0101", service: cpr-subscription, state: \(subscriptionState) }
        extracts:
          - { name: kbh-changes, source: cpr, kind: change, system: modtager, municipality: "0101", compression: none, task_number: 5 }
          - { name: kbh-abonnement, source: cpr, kind: subscription, system: modtager, municipality: "0101", compression: none, task_number: 42 }
        """
    }

    struct Fixture {
        let directory: String
        let store: Store
        let runner: ExtractRunner
        let population: CPRPopulation

        init() throws {
            directory = NSTemporaryDirectory() + "udtraek-subscription-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try Store(stateDirectory: directory + "/state")
            // "Today" is 2026-11-23 in Copenhagen, a Monday.
            runner = ExtractRunner(store: store, stateDirectory: directory + "/state",
                                   clock: ManualClock(start: Date(timeIntervalSince1970: 1_795_428_000)).clock)
            population = try CPRPopulation(seed: 7, size: 50_000, epoch: CivilDate(year: 2020, month: 1, day: 1)!)
            try apply(SubscriptionFileTests.config())
        }

        func apply(_ text: String) throws {
            let path = directory + "/udtraek-\(UUID().uuidString).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let file = try ConfigurationFile.load(path: path, environment: [:])
            try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: path, detail: ""))
        }

        func follow(_ pnrs: [String] = [], municipality: Bool = false, codes: [String] = []) throws {
            let actor = SubscriptionActor(name: "test", detail: "")
            _ = try store.reconcileSubscriptionPNRs(agreement: subscription, system: "modtager", wanted: Set(pnrs), at: Date(), actor: actor)
            if municipality {
                _ = try store.addSubscriptionFilter(agreement: subscription, system: "modtager", kind: .municipality, value: "0101", at: Date(), actor: actor)
            }
            for c in codes {
                _ = try store.addSubscriptionFilter(agreement: subscription, system: "modtager", kind: .changeCode, value: c, at: Date(), actor: actor)
            }
        }

        func file(_ run: ExtractRun) throws -> String {
            let id = try #require(run.outboxId)
            return try #require(try store.outboxEntry(id: id)).localPath
        }

        func lines(_ run: ExtractRun) throws -> [String] {
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: try file(run))), as: UTF8.self)
                .split(separator: "\n").map(String.init)
        }

        /// The PNRs of the persons in a file, in order.
        func persons(_ run: ExtractRun) throws -> [String] {
            try lines(run).filter { $0.hasPrefix("001") }.map { String($0.dropFirst(3).prefix(10)) }
        }

        /// Runs the independent parser; returns its JSON verdict.
        func check(change: ExtractRun, subscription: ExtractRun, pnrs: [String], codes: [String] = [], whole: Bool = false,
                   date: CivilDate, previous: CivilDate?) throws -> (ok: Bool, persons: Int, output: String) {
            let pnrFile = directory + "/pnrs-\(UUID().uuidString)"
            try pnrs.joined(separator: "\n").write(toFile: pnrFile, atomically: true, encoding: .utf8)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("cpr-subscription-check.py").path
            var arguments = [script, "--change", try file(change), "--subscription", try file(subscription), "--pnrs", pnrFile,
                             "--codes", codes.joined(separator: ","), "--date", Self.compact(date),
                             "--previous", previous.map(Self.compact) ?? "00000000"]
            if whole { arguments.append("--whole-municipality") }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = arguments
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let output = String(decoding: data, as: UTF8.self)
            let persons = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["persons"] as? Int ?? -1
            return (p.terminationStatus == 0, persons, output)
        }

        static func compact(_ d: CivilDate) -> String { d.description.replacingOccurrences(of: "-", with: "") }

        func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
    }

    @Test func aDaysFileHoldsExactlyTheFollowedPersonsWhoChanged() async throws {
        try await offThePool {
            let fx = try Fixture()
            defer { fx.tearDown() }
            let day = CivilDate(year: 2026, month: 11, day: 23)!
            let change = try fx.runner.run("kbh-changes", date: day)
            let changed = try fx.persons(change)
            #expect(changed.count > 10)
            // Every third changed person, and fifty who did not change that day.
            let followedChanged = changed.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
            let unchanged = (0..<2_000).compactMap { fx.population.pnr(ofIndex: $0 * 7) }.filter { !changed.contains($0) }.prefix(50)
            let pnrs = followedChanged + unchanged
            try fx.follow(pnrs, codes: ["A06"])
            let sub = try fx.runner.run("kbh-abonnement", date: day)
            #expect(sub.state == .produced)
            #expect(sub.fileName == "D261123.L000042.\(Self.subscription)")
            let verdict = try fx.check(change: change, subscription: sub, pnrs: pnrs, codes: ["A06"], date: day, previous: nil)
            #expect(verdict.ok, "\(verdict.output)")
            #expect(verdict.persons >= followedChanged.count && verdict.persons < changed.count, "\(verdict.output)")
            // The delivery carries the subscription's agreement and service, as extracts' do.
            let outboxId = try #require(sub.outboxId)
            let entry = try #require(try fx.store.outboxEntry(id: outboxId))
            #expect(entry.agreementUUID == Self.subscription && entry.routing.infRef == "cpr-subscription")

            // Following the whole municipality gives the change extract itself.
            try fx.follow([], municipality: true)
            let whole = try fx.runner.run("kbh-abonnement", date: day, rerun: true)
            let all = try fx.check(change: change, subscription: whole, pnrs: [], whole: true, date: day, previous: nil)
            #expect(all.ok && all.persons == changed.count, "\(all.output)")
        }
    }

    @Test func theChainIsContinuousOverAWeekWithAHoliday() async throws {
        try await offThePool {
            let fx = try Fixture()
            defer { fx.tearDown() }
            // Ascension Day (Kristi himmelfartsdag) 2026 is Thursday 14 May.
            let days = [11, 12, 13, 15, 18].map { CivilDate(year: 2026, month: 5, day: $0)! }
            let pnrs = (0..<400).compactMap { fx.population.pnr(ofIndex: $0 * 50) }
            try fx.follow(pnrs, codes: ["A05"])
            var previous: CivilDate?
            var empty = 0
            for day in days {
                let change = try fx.runner.run("kbh-changes", date: day)
                let sub = try fx.runner.run("kbh-abonnement", date: day)
                let verdict = try fx.check(change: change, subscription: sub, pnrs: pnrs, codes: ["A05"], date: day, previous: previous)
                #expect(verdict.ok, "\(day): \(verdict.output)")
                if verdict.persons == 0 {
                    empty += 1
                    #expect(try fx.lines(sub).count == 2, "a day with nobody is 000 and 999")
                }
                previous = day
            }
            #expect(empty < days.count, "the filters follow someone on some day of the week")
            // The holiday has no file: a run for it is refused with the reason.
            #expect(throws: ExtractError.self) { try fx.runner.run("kbh-abonnement", date: CivilDate(year: 2026, month: 5, day: 14)!) }
            let refused = try #require(try fx.store.runs(extract: "kbh-abonnement", limit: 1).first)
            #expect(refused.state == .refused && (refused.error ?? "").contains("Kristi"), "\(refused.error ?? "")")
        }
    }

    @Test func aDayWithNobodyStillGetsAFile() async throws {
        try await offThePool {
            let fx = try Fixture()
            defer { fx.tearDown() }
            let day = CivilDate(year: 2026, month: 11, day: 23)!
            let sub = try fx.runner.run("kbh-abonnement", date: day)
            let lines = try fx.lines(sub)
            #expect(lines.count == 2 && lines[0].hasPrefix("000") && lines[1].hasPrefix("999"))
            #expect(lines[1] == "999" + "9999999999" + "00000000")
        }
    }

    @Test func aTerminatedAgreementStopsTheFiles() async throws {
        try await offThePool {
            let fx = try Fixture()
            defer { fx.tearDown() }
            try fx.follow([], municipality: true)
            #expect(try fx.runner.run("kbh-abonnement", date: CivilDate(year: 2026, month: 11, day: 20)!).state == .produced)
            try fx.apply(SubscriptionFileTests.config(subscriptionState: "terminated"))
            #expect(throws: ExtractError.self) { try fx.runner.run("kbh-abonnement", date: CivilDate(year: 2026, month: 11, day: 23)!) }
            let refused = try #require(try fx.store.runs(extract: "kbh-abonnement", limit: 1).first)
            #expect(refused.state == .refused && (refused.error ?? "").contains("cpr-subscription"), "\(refused.error ?? "")")
            #expect(refused.outboxId == nil)
            // The filters are kept for when an agreement is in force again.
            #expect(try fx.store.subscriptionFilters(agreement: Self.subscription).municipalities == ["0101"])
        }
    }

    @Test func anInitialLoadIsAStatusFileOfTheFollowedResidents() async throws {
        try await offThePool {
            let fx = try Fixture()
            defer { fx.tearDown() }
            let day = CivilDate(year: 2026, month: 11, day: 23)!
            let pnrs = (0..<3_000).compactMap { fx.population.pnr(ofIndex: $0 * 6) }
            try fx.follow(pnrs)
            let load = try fx.runner.run("kbh-abonnement/initial-load", date: day)
            #expect(load.fileName == "S261123.L000042.\(Self.subscription)")
            let lines = try fx.lines(load)
            #expect(lines.first.map { String($0.dropFirst(27).prefix(8)) } == "00000000")
            #expect(!lines.contains { $0.hasPrefix("099") })
            let expected = pnrs.filter { fx.population.person(pnr: $0, on: day)?.address.municipalityCode == "0101" }
            #expect(!expected.isEmpty)
            #expect(try fx.persons(load) == expected.sorted { (fx.population.index(ofPNR: $0) ?? 0) < (fx.population.index(ofPNR: $1) ?? 0) })
            // It is not part of the daily chain: the first daily file still starts it.
            let daily = try fx.runner.run("kbh-abonnement", date: day)
            #expect(try fx.lines(daily).first.map { String($0.dropFirst(27).prefix(8)) } == "00000000")
        }
    }
}
