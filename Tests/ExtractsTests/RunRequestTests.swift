import Extracts
import Foundation
import Store
import Testing
import UdtraekTesting

/// Issue 11, item 7: a request for an (extract, date) whose file is being produced or was
/// produced joins that run; a second file with the same name comes only from an explicit,
/// audited re-run.
@Suite struct RunRequestTests {
    @Test func aSecondRequestForAProducedDateQueuesNothingUnlessReRunIsAsked() throws {
        let fx = try ExtractFixture()
        defer { fx.tearDown() }
        let state = ["--state", fx.directory + "/state", "--config", fx.configPath]
        let first = try UdtraekCLI.run(["extract", "run", "kbh-status", "--date", "2026-11-20", "--no-deliver"] + state)
        #expect(first.status == 0, "\(first.output)")

        let again = try UdtraekCLI.run(["extract", "run", "kbh-status", "--date", "2026-11-20", "--no-deliver", "--wait"] + state)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("already produced by run 1"), "\(again.output)")
        #expect(again.output.contains("--rerun"), "\(again.output)")
        #expect(try fx.store.runs().count == 1)
        #expect(try fx.store.outbox().count == 1)

        let rerun = try UdtraekCLI.run(["extract", "run", "kbh-status", "--date", "2026-11-20", "--no-deliver", "--rerun"] + state)
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(try fx.store.runs().map(\.state) == [.produced, .produced])
        let audit = try #require(try fx.store.auditLog(action: "extract.rerun").first)
        #expect(audit.subject == "kbh-status" && audit.detail.contains("2026-11-20"))
    }

    @Test func aRequestForTheDateInFlightJoinsIt() throws {
        let fx = try ExtractFixture()
        defer { fx.tearDown() }
        let runner = fx.runner()
        let first = try runner.request("kbh-status", date: fx.today, trigger: .manual, actor: "ops")
        let running = try #require(try runner.claim(first.run.id!))
        let second = try runner.request("kbh-status", date: fx.today, trigger: .api, actor: "api:x")
        #expect(second.outcome == .joined && second.run.id == running.id)
        // Another day is its own run, behind the one in flight.
        let backfill = try runner.request("kbh-status", date: fx.today.adding(days: -3), trigger: .manual, actor: "ops")
        #expect(backfill.outcome == .queuedBehind && backfill.run.id != running.id)
        // An explicit re-run of the day in flight queues behind it.
        let rerun = try runner.request("kbh-status", date: fx.today, trigger: .manual, actor: "ops", rerun: true)
        #expect(rerun.outcome == .queuedBehind && rerun.run.id != running.id)
        #expect(try fx.store.runs(state: .queued).count == 2)
    }
}
