#if canImport(Glibc)
import Glibc
#endif
import Delivery
import Foundation
import Runtime
import Store
import Testing
import UdtraekTesting

/// Issue 11, item 8: a delivery whose process was killed must not stay `delivering` while
/// other processes run. It is settled by its owner's identity (the process is gone), not by
/// a restart of `serve`.
@Suite struct InterruptedDeliveryTests {
    @Test func aDeliveryWhoseProcessWasKilledIsTakenOverByTheNextProcess() throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let state = fx.directory + "/spool"
        let local = try fx.makeFile("D261123.L000010", size: 3 << 20)
        // `udtraek deliver` dies by SIGKILL right after it claimed the entry.
        let killed = try UdtraekCLI.runReportingSignal(["deliver", local, "--to", "modtager", "--state", state],
                                                       environment: ["UDTRAEK_CRASH_AT": "delivery.claimed"])
        #expect(killed.signal == SIGKILL, "\(killed.output)")
        let entry = try #require(try fx.store.outbox().first)
        #expect(entry.state == .delivering && entry.owner != nil)

        // The next process delivers it without any restart; the receiver sees it once.
        let next = try UdtraekCLI.run(["outbox", "deliver", "--state", state])
        #expect(next.status == 0, "\(next.output)")
        #expect(next.output.contains("1 delivered"), "\(next.output)")
        let after = try #require(try fx.store.outboxEntry(id: entry.id!))
        #expect(after.state == .delivered && after.owner == nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: fx.inbox()).sorted()
        #expect(names == ["D261123.L000010", "D261123.L000010.metadata"])
        // It died before its attempt began: one attempt, the one that delivered.
        #expect(try fx.store.deliveries().map(\.outcome) == [.delivered])
    }

    @Test func retryNamesWhatItFound() throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let state = fx.directory + "/spool"
        let missing = try UdtraekCLI.run(["outbox", "retry", "999999", "--state", state])
        #expect(missing.status != 0 && missing.output.contains("no outbox entry 999999"), "\(missing.output)")

        // A killed delivery is retried by hand, too: it is settled and made ready.
        let local = try fx.makeFile("D261123.L000011", size: 1000)
        let killed = try UdtraekCLI.runReportingSignal(["deliver", local, "--to", "modtager", "--state", state],
                                                       environment: ["UDTRAEK_CRASH_AT": "delivery.claimed"])
        #expect(killed.signal == SIGKILL)
        let id = try #require(try fx.store.outbox().first?.id)
        let retried = try UdtraekCLI.run(["outbox", "retry", "\(id)", "--state", state])
        #expect(retried.status == 0 && retried.output.contains("ready again"), "\(retried.output)")
        #expect(try fx.store.outboxEntry(id: id)?.state == .ready)
    }
}
