import ChangeOrders
import Foundation
import Logging
import Runtime
import ServiceLifecycle
import SFTPClient
import Store
import Testing
import UdtraekTesting

/// Carrying out, verifying against the real sshd, rolling back, the incident alarm, and
/// SSH key rotation with an overlap. Time is the fixture's manual clock.
@Suite struct ChangeOrderExecutionTests {
    @Test func executedAtTheRequestedTimeAndVerified() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let at = fx.now.addingTimeInterval(2 * 3600)
        let order = try fx.submit(.monitoring, orderRef: "B-100", at: at, reason: "receiver asked for a morning deadline",
                                  ChangeRequest(deadline: "08:00 next business day", warningBefore: "30m", repeatEvery: "1h"))
        #expect(order.state == .accepted)
        #expect(order.executeAt == at)

        // Before its time: nothing happens.
        fx.manual.advance(toDate: at.addingTimeInterval(-60))
        #expect(try await fx.executor.runDue() == ExecutionReport())
        #expect(try fx.store.changeOrder(id: order.id!)?.state == .accepted)
        #expect(try fx.store.configuration().monitoring.receiver("modtager")?.rules.first?.collectWithinSeconds == 4 * 3600)

        fx.manual.advance(toDate: at)
        let report = try await fx.executor.runDue()
        #expect(report.completed == [order.id!])
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .verified, .completed])
        let receipts = try fx.store.changeReceipts(orderId: order.id!)
        #expect(receipts.allSatisfy { $0.at <= at })
        #expect(receipts.first { $0.kind == .verified }?.detail.contains("inbox read") == true)
        let rule = try #require(try fx.store.configuration().monitoring.receiver("modtager")?.rules.first)
        #expect(rule.deadline == WallClockDeadline(hour: 8, minute: 0, businessDaysAfter: 1))
        #expect(rule.collectWithinSeconds == nil)
        #expect(rule.warningBeforeSeconds == 1800)
        #expect(rule.repeatEverySeconds == 3600)
        let audit = try fx.store.auditLog(limit: 10).filter { $0.subject.hasPrefix("change \(order.id!)") }.map(\.action)
        #expect(audit.contains("change.accepted") && audit.contains("change.carried-out") && audit.contains("change.completed"))
        #expect(try fx.store.auditLog(action: "change.completed").first?.detail.contains("morning deadline") == true)

        // Done once: a second pass changes nothing.
        #expect(try await fx.executor.runDue() == ExecutionReport())
    }

    @Test func failedVerificationRollsBackAndRaisesTheIncident() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let before = try fx.store.changeSnapshot(system: "modtager")
        // IN/processed does not exist on the server: the probe fails.
        let order = try fx.submit(.monitoring, orderRef: "B-200", ChangeRequest(signal: "moved", movedTo: "IN/processed"))
        #expect(order.state == .accepted)
        let report = try await fx.executor.runDue()
        #expect(report.failed == [order.id!])
        #expect(try fx.store.changeOrder(id: order.id!)?.state == .failed)
        #expect(try fx.receipts(order) == [.received, .accepted, .carriedOut, .failed, .rolledBack])
        let failed = try #require(try fx.store.changeReceipts(orderId: order.id!).first { $0.kind == .failed })
        #expect(failed.detail.contains("IN/processed does not exist"))
        // Not half-changed: exactly the previous settings.
        #expect(try fx.store.changeSnapshot(system: "modtager") == before)

        let alarms = try fx.store.alarms(openOnly: true, system: "modtager").filter { $0.kind == .changeFailed }
        #expect(alarms.count == 1)
        #expect(alarms.first?.summary.contains("change order \(order.id!)") == true)
        #expect(alarms.first?.summary.contains("rolled back") == true)
        #expect(try fx.store.auditLog(action: "change.rolled-back").count == 1)

        // The corrected order (a new one) completes and resolves the incident.
        try FileManager.default.createDirectory(atPath: fx.sshd.inboxRoot("modtager") + "/IN/processed", withIntermediateDirectories: true)
        let fixed = try fx.submit(.monitoring, orderRef: "B-201", ChangeRequest(signal: "moved", movedTo: "IN/processed"))
        #expect(try await fx.executor.runDue().completed == [fixed.id!])
        #expect(try fx.store.configuration().monitoring.receiver("modtager")?.signal == .moved)
        #expect(try fx.store.alarms(openOnly: true, system: "modtager").filter { $0.kind == .changeFailed }.isEmpty)
    }

    @Test func hostKeyAndInboxChanges() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let real = try fx.sshd.hostKeyFingerprint
        let other = "SHA256:" + String(repeating: "A", count: 43)

        // A wrong pin: connecting and comparing fails; the old pins come back.
        let wrong = try fx.submit(.hostKey, orderRef: "B-300", ChangeRequest(fingerprints: [other]))
        #expect(try await fx.executor.runDue().failed == [wrong.id!])
        #expect(try fx.store.changeReceipts(orderId: wrong.id!).first { $0.kind == .failed }?.detail.contains("not among the pinned") == true)
        #expect(try fx.store.system(named: "modtager")?.hostKeyFingerprints == [real])

        // The server's key was rotated: pinned is an old key, the order pins the real one.
        fx.system.hostKeyFingerprints = [other]
        try fx.apply()
        let rotate = try fx.submit(.hostKey, orderRef: "B-301", ChangeRequest(fingerprints: [real]))
        #expect(try await fx.executor.runDue().completed == [rotate.id!])
        #expect(try fx.store.system(named: "modtager")?.hostKeyFingerprints == [real])

        // Inbox path: a folder that is not there fails and rolls back; OUT exists.
        let missing = try fx.submit(.inbox, orderRef: "B-302", ChangeRequest(path: "INBOX"))
        #expect(try await fx.executor.runDue().failed == [missing.id!])
        #expect(try fx.store.system(named: "modtager")?.inboxPath == "IN")
        let out = try fx.submit(.inbox, orderRef: "B-303", ChangeRequest(path: "OUT"))
        #expect(try await fx.executor.runDue().completed == [out.id!])
        #expect(try fx.store.system(named: "modtager")?.inboxPath == "OUT")
    }

    @Test func sshKeyRotationWithOverlap() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let oldKey = fx.system.privateKeyPath
        let newKey = try fx.newKey("new")

        // The server does not know the new key yet: verification (the new key alone) fails.
        let early = try fx.submit(.sshKey, orderRef: nil, ChangeRequest(privateKey: newKey, overlap: "1d"))
        #expect(early.state == .accepted)
        #expect(try await fx.executor.runDue().failed == [early.id!])
        #expect(try fx.store.system(named: "modtager")?.privateKeyPath == oldKey)
        #expect(try fx.store.keyOverlap(system: "modtager") == nil)

        // The receiver authorises the new key next to the old one; a new order completes.
        try fx.sshd.authorizeKey(system: "modtager", publicKeyPath: newKey + ".pub")
        let order = try fx.submit(.sshKey, orderRef: nil, reason: "yearly rotation", ChangeRequest(privateKey: newKey, overlap: "1d"))
        #expect(try await fx.executor.runDue().completed == [order.id!])
        #expect(try fx.store.system(named: "modtager")?.privateKeyPath == newKey)
        let overlap = try #require(try fx.store.keyOverlap(system: "modtager"))
        #expect(overlap.oldPrivateKeyPath == oldKey)
        #expect(overlap.retireAt == fx.now.addingTimeInterval(86_400))

        // The new key works.
        #expect(try fx.deliver("D1").outcome == .delivered)
        // The old key is still accepted during the overlap: a server that dropped the new key
        // (or never had it on a second node) still gets its files.
        try fx.sshd.removeKey(publicKeyPath: newKey + ".pub")
        #expect(try fx.deliver("D2").outcome == .delivered)

        // Not yet retired before the overlap ends; retired after, with a receipt and an audit row.
        fx.manual.advance(toDate: overlap.retireAt.addingTimeInterval(-1))
        #expect(try await fx.executor.runDue().retiredKeys.isEmpty)
        fx.manual.advance(toDate: overlap.retireAt)
        #expect(try await fx.executor.runDue().retiredKeys == ["modtager"])
        #expect(try fx.store.keyOverlap(system: "modtager") == nil)
        #expect(try fx.receipts(order).last == .keyRetired)
        #expect(try fx.store.auditLog(action: "ssh-key.retired").first?.detail.contains(oldKey) == true)

        // After retirement the old key is no longer used: only the new key opens the inbox.
        let refused = try fx.deliver("D3")
        #expect(refused.outcome == .failed)
        #expect(refused.errorCode == "authentication" || (refused.error ?? "").contains("refused the key"))
        try fx.sshd.authorizeKey(system: "modtager", publicKeyPath: newKey + ".pub")
        #expect(try fx.deliver("D4").outcome == .delivered)
    }
}

/// The executor as a service in `serve`: a periodic service on the fixture's manual clock.
/// At rest it sleeps on that clock, so `waitForSleepers(atLeast: 1)` after an advance means
/// the pass that advance started is over.
@Suite struct ChangeExecutorServiceTests {
    static let logger = Logger(label: "test")

    static func service(_ fx: ChangeOrderFixture, every interval: Duration = .seconds(60)) -> ChangeExecutorService {
        ChangeExecutorService(executor: fx.executor, interval: interval, logger: logger)
    }

    @Test func stopsOnCancellation() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let task = Task { try await Self.service(fx).run() }
        await fx.manual.waitForSleepers(atLeast: 1)
        task.cancel()
        try await task.value
    }

    @Test func stopsOnGracefulShutdown() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let group = ServiceGroup(configuration: .init(services: [.init(service: Self.service(fx))], logger: Self.logger))
        let task = Task { try await group.run() }
        await fx.manual.waitForSleepers(atLeast: 1)
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aNudgeRunsAPassNow() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let service = Self.service(fx, every: .seconds(3600))
        try await withRunning(service) {
            await fx.manual.waitForSleepers(atLeast: 1)
            let order = try fx.submit(.monitoring, orderRef: "B-400", ChangeRequest(collectWithin: "2h"))
            #expect(order.state == .accepted)
            let asleepSince = fx.manual.now
            service.nudge()
            try await fx.eventually("the nudged pass completes the order") { try fx.state(order) == .completed }
            #expect(fx.manual.now == asleepSince, "the clock did not move: the nudge ran the pass")
        }
    }

    @Test func anOrderDueInTenMinutesIsCarriedOutWhenTheClockReachesIt() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let at = fx.now.addingTimeInterval(600)
        let order = try fx.submit(.monitoring, orderRef: "B-401", at: at, ChangeRequest(collectWithin: "2h"))
        try await withRunning(Self.service(fx)) {
            await fx.manual.waitForSleepers(atLeast: 1)
            fx.manual.advance(by: .seconds(540))
            await fx.manual.waitForSleepers(atLeast: 1)
            #expect(try fx.state(order) == .accepted, "a pass at 9 minutes leaves it")
            fx.manual.advance(by: .seconds(59))
            #expect(fx.manual.sleeperCount == 1, "no pass between two polls")
            fx.manual.advance(by: .seconds(1))
            await fx.manual.waitForSleepers(atLeast: 1)
            #expect(try fx.state(order) == .completed)
            let carried = try #require(try fx.store.changeReceipts(orderId: order.id!).first { $0.kind == .carriedOut })
            #expect(carried.at == at)
        }
    }

    /// Fault: the system clock steps forward an hour while an order waits for its time, ten
    /// minutes away. Orders are asked for at a date, so on the new date it is due: the next
    /// pass carries it out. That pass comes at the service's cadence on monotonic time (the
    /// step wakes nothing), the order is carried out once (a later pass finds nothing to
    /// do), and every receipt is dated on the new clock.
    @Test func wallClockSteppingForwardAnHour() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let order = try fx.submit(.monitoring, orderRef: "B-402", at: fx.now.addingTimeInterval(600), ChangeRequest(collectWithin: "2h"))
        try await withRunning(Self.service(fx)) {
            await fx.manual.waitForSleepers(atLeast: 1)
            fx.manual.stepWallClock(by: 3600)
            #expect(fx.manual.sleeperCount == 1, "the step wakes nothing")
            fx.manual.advance(by: .seconds(59))
            #expect(fx.manual.sleeperCount == 1)
            #expect(try fx.state(order) == .accepted)
            fx.manual.advance(by: .seconds(1))
            await fx.manual.waitForSleepers(atLeast: 1)
            #expect(try fx.state(order) == .completed, "due on the new date")
            fx.manual.advance(by: .seconds(60))
            await fx.manual.waitForSleepers(atLeast: 1)
            let receipts = try fx.store.changeReceipts(orderId: order.id!)
            #expect(receipts.map(\.kind) == [.received, .accepted, .carriedOut, .verified, .completed], "carried out once")
            #expect(receipts.filter { $0.kind != .received && $0.kind != .accepted }.allSatisfy { $0.at == fx.now.addingTimeInterval(-60) })
        }
    }
}
