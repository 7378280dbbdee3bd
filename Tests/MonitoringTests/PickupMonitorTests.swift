import Foundation
import Monitoring
import Runtime
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// The monitor against a real OpenSSH sshd, with the pass time given explicitly (the
/// injected clock), so hours of deadlines run in milliseconds.
@Suite(.serialized) struct PickupMonitorTests {
    static let hourRule = PickupRule(collectWithinSeconds: 3600, warningBeforeSeconds: 900, repeatEverySeconds: 1800)

    @Test func receiverCollectsOnTime() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [Self.hourRule])
        let d = try fx.deliver("D261123.L000001")
        let t = d.finishedAt!
        let monitor = fx.monitor()
        let first = try monitor.pass(at: t + 60)
        #expect(first.tracked == 1 && first.watched == 1 && first.unreachable.isEmpty)
        #expect(try fx.pickup("D261123.L000001")?.state == .awaiting)
        #expect(abs(try #require(try fx.pickup("D261123.L000001")?.deadline).timeIntervalSince(t + 3600)) < 0.002, "SQLite keeps milliseconds")

        try fx.collect("D261123.L000001")
        let second = try monitor.pass(at: t + 120)
        #expect(second.collectedOnTime == 1)
        let p = try #require(try fx.pickup("D261123.L000001"))
        #expect(p.state == .collectedOnTime && p.collectionDetail == "deleted from IN")
        #expect(try fx.alarms().isEmpty)
    }

    @Test func collectsLateWithWarningBreachRemindersAckAndRecovery() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [Self.hourRule])
        let t = try fx.deliver("late.dat").finishedAt!
        let monitor = fx.monitor()
        try monitor.pass(at: t + 60)
        #expect(try monitor.pass(at: t + 50 * 60).warned == 1)
        let warning = try #require(try fx.alarms(.pickupWarning).first)
        #expect(warning.isOpen && warning.severity == .warning)

        #expect(try monitor.pass(at: t + 61 * 60).breached == 1)
        #expect(try fx.store.alarm(id: warning.id!)?.resolution == "escalated")
        let overdue = try #require(try fx.alarms(.pickupOverdue).first)
        #expect(overdue.isOpen && overdue.notifications == 1)
        #expect(abs(try #require(overdue.deadline).timeIntervalSince(t + 3600)) < 0.002)

        try monitor.pass(at: t + 80 * 60)
        #expect(try fx.store.alarm(id: overdue.id!)?.notifications == 1, "no reminder before the interval")
        try monitor.pass(at: t + 92 * 60)
        #expect(try fx.store.alarm(id: overdue.id!)?.notifications == 2, "a reminder after 30 minutes")
        try monitor.pass(at: t + 93 * 60)
        #expect(try fx.store.alarm(id: overdue.id!)?.notifications == 2, "one reminder per interval")

        try monitor.acknowledge(alarmId: overdue.id!, by: "vagt", note: "calling the receiver", now: t + 95 * 60)
        try monitor.pass(at: t + 200 * 60)
        let acked = try #require(try fx.store.alarm(id: overdue.id!))
        #expect(acked.notifications == 2 && acked.acknowledgedBy == "vagt" && acked.isOpen, "acknowledged: no reminders, still open")

        try fx.collect("late.dat")
        #expect(try monitor.pass(at: t + 210 * 60).collectedLate == 1)
        let resolved = try #require(try fx.store.alarm(id: overdue.id!))
        #expect(resolved.resolution == "recovered" && !resolved.isOpen, "acknowledgement does not stop resolution")
        #expect(try fx.pickup("late.dat")?.state == .collectedLate)
        let history = try fx.store.alarmEvents(alarmId: overdue.id!).map(\.event)
        #expect(history == [.raised, .reminder, .acknowledged, .resolved])
        #expect(try fx.store.auditLog(action: "alarm.acknowledge").count == 1)
    }

    @Test func neverCollectedIsRemovedByRetentionButNotWhileUploading() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(retention: 2 * 3600, rules: [Self.hourRule])
        let t = try fx.deliver("never.dat").finishedAt!
        let monitor = fx.monitor()
        try monitor.pass(at: t + 60)
        try monitor.pass(at: t + 61 * 60)

        // An upload of the same name is under way: retention must wait.
        let entry = try fx.store.enqueue(OutboxEntry(system: "modtager", fileName: "never.dat", localPath: "/nonexistent", bytes: 1,
                                                     sha256: nil, state: .delivering, nextAttemptAt: t, createdAt: t, updatedAt: t,
                                                     ownedBySpool: false))
        #expect(try monitor.pass(at: t + 3 * 3600).expired == 0)
        #expect(fx.inboxNames().contains("never.dat"))
        #expect(try fx.pickup("never.dat")?.state == .overdue)

        var done = entry
        done.state = .error
        try fx.store.finishAttempt(entry: done, delivery: try fx.store.deliveries().first!)
        #expect(try monitor.pass(at: t + 3 * 3600 + 60).expired == 1)
        #expect(!fx.inboxNames().contains("never.dat") && !fx.inboxNames().contains("never.dat.metadata"), "\(fx.inboxNames())")
        let p = try #require(try fx.pickup("never.dat"))
        #expect(p.state == .expired && p.removedAt != nil)
        #expect(try fx.alarms(.pickupOverdue).first?.resolution == "expired")
        let expired = try #require(try fx.alarms(.pickupExpired).first)
        #expect(expired.isOpen)
        #expect(try fx.store.auditLog(action: "pickup.retention").count == 1)
        // Nothing can bring the file back: acknowledging ends the alarm.
        try monitor.acknowledge(alarmId: expired.id!, by: "vagt", now: t + 4 * 3600)
        #expect(try fx.store.alarm(id: expired.id!)?.resolution == "acknowledged")
    }

    @Test func readWithoutDeletingIsSeenByAccessTime() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(signal: .read, rules: [Self.hourRule])
        let d = try fx.deliver("read.dat")
        let t = try #require(d.finishedAt)
        let delivered = Int(t.timeIntervalSince1970)
        let path = fx.inbox() + "/read.dat"
        // The file's times as the receiver's server holds them, set explicitly so nothing
        // depends on when the test runs: written 10 s before the delivery ended.
        try Self.setTimes(path, access: delivered - 10, modification: delivered - 10)
        let manual = ManualClock(start: t + 60)
        let monitor = fx.monitor(clock: manual.clock)
        try monitor.runPassBlocking()
        #expect(try fx.pickup("read.dat")?.state == .awaiting, "the monitor's own listing must not count as a read")
        #expect(try Self.accessTime(path) == delivered - 10, "listing the inbox leaves the access time alone")

        // The receiver reads the file 30 s after the delivery: its server records the access time.
        try Self.setTimes(path, access: delivered + 30, modification: delivered - 10)
        manual.advance(by: .seconds(60))
        #expect(try monitor.runPassBlocking().collectedOnTime == 1)
        let p = try #require(try fx.pickup("read.dat"))
        #expect(p.state == .collectedOnTime && p.collectionDetail?.hasPrefix("read") == true)
        #expect(p.collectedAt == Date(timeIntervalSince1970: Double(delivered + 30)), "collected when it was read, not when the pass saw it")
        #expect(fx.inboxNames().contains("read.dat"), "the file stays where the receiver left it")
    }

    /// Sets a file's access and modification time, in whole seconds.
    static func setTimes(_ path: String, access: Int, modification: Int) throws {
        var times = [timespec(tv_sec: access, tv_nsec: 0), timespec(tv_sec: modification, tv_nsec: 0)]
        guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw HarnessError("utimensat \(path): errno \(errno)") }
    }

    static func accessTime(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw HarnessError("stat \(path): errno \(errno)") }
        return st.st_atim.tv_sec
    }

    @Test func receiptFileAndMovedFolderSignals() throws {
        let fx = try MonitorFixture(systems: ["kvittering", "flytter"])
        defer { fx.tearDown() }
        try fx.watch("kvittering", signal: .receipt, rules: [Self.hourRule])
        try fx.watch("flytter", signal: .moved, movedTo: "IN/processed", rules: [Self.hourRule])
        let t = try fx.deliver("a.dat", to: "kvittering").finishedAt!
        try fx.deliver("b.dat", to: "flytter")
        let monitor = fx.monitor()
        #expect(try monitor.pass(at: t + 60).unreachable.isEmpty, "a moved folder not made yet is not an error")
        try Data("ok".utf8).write(to: URL(fileURLWithPath: fx.inbox("kvittering") + "/a.dat.receipt"))
        try FileManager.default.createDirectory(atPath: fx.inbox("flytter") + "/processed", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: fx.inbox("flytter") + "/b.dat", toPath: fx.inbox("flytter") + "/processed/b.dat")
        #expect(try monitor.pass(at: t + 120).collectedOnTime == 2)
        #expect(try fx.pickup("a.dat")?.collectionDetail == "receipt a.dat.receipt")
        #expect(try fx.pickup("b.dat")?.collectionDetail == "moved to IN/processed")
    }

    @Test func temporaryUploadFilesAreNeverDeliveries() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [Self.hourRule])
        try Data("partial".utf8).write(to: URL(fileURLWithPath: fx.inbox() + "/.X.dat.7.part"))
        let t = try fx.deliver("real.dat").finishedAt!
        let report = try fx.monitor().pass(at: t + 2 * 3600)
        #expect(report.watched == 1)
        #expect(try fx.store.pickups().map(\.fileName) == ["real.dat"])
    }

    @Test func inboxHostDownAndBack() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        var m = fx.monitoring
        m.settings.unreachableAfterSeconds = 600
        fx.monitoring = m
        try fx.watch(rules: [Self.hourRule])
        let t = try fx.deliver("x.dat").finishedAt!
        let monitor = fx.monitor()
        try monitor.pass(at: t + 10)
        fx.sshd.stop()
        let down = try monitor.pass(at: t + 20)
        #expect(down.unreachable == ["modtager"])
        #expect(try fx.alarms(.inboxUnreachable).isEmpty, "not yet past the threshold")
        try monitor.pass(at: t + 700)
        let alarm = try #require(try fx.alarms(.inboxUnreachable).first)
        #expect(alarm.isOpen && alarm.summary.contains("127.0.0.1:\(fx.sshd.port)"))
        try monitor.pass(at: t + 800)
        #expect(try fx.alarms(.inboxUnreachable).count == 1, "one alarm per outage")

        try fx.sshd.start()
        let up = try monitor.pass(at: t + 900)
        #expect(up.unreachable.isEmpty, "the pooled session that died with the server is replaced")
        #expect(try fx.store.alarm(id: alarm.id!)?.resolution == "recovered")
        #expect(try fx.pickup("x.dat")?.state == .awaiting)
    }

    @Test func hostKeyMismatchIsAlarmedAtOnce() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [Self.hourRule])
        fx.systems[0].hostKeyFingerprints = ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
        try fx.apply()
        try fx.monitor().runPassBlocking()
        let alarm = try #require(try fx.alarms(.hostKeyMismatch).first)
        #expect(alarm.isOpen && alarm.severity == .critical)
    }

    @Test func sessionsArePerHostAndReused() throws {
        let shared = try MonitorFixture(systems: ["a", "b", "c"], sharedLogin: true)
        defer { shared.tearDown() }
        var t = Date(timeIntervalSince1970: 0)
        for s in ["a", "b", "c"] {
            try shared.watch(s, rules: [Self.hourRule])
            t = try #require(try shared.deliver("f-\(s)", to: s).finishedAt)
        }
        let m1 = shared.monitor()
        try m1.pass(at: t + 60)
        try shared.collect("f-b", "b")
        let r = try m1.pass(at: t + 120)
        #expect(r.collectedOnTime == 1 && r.inboxes == 3)
        #expect(m1.sessionsOpened == 1, "one monitoring login for the host, kept across passes")

        let own = try MonitorFixture(systems: ["a", "b"])
        defer { own.tearDown() }
        for s in ["a", "b"] {
            try own.watch(s, rules: [Self.hourRule])
            t = try #require(try own.deliver("f-\(s)", to: s).finishedAt)
        }
        let m2 = own.monitor()
        try m2.pass(at: t + 60)
        try m2.pass(at: t + 120)
        #expect(m2.sessionsOpened == 2, "one per receiver key, reused on the second pass")
    }

    @Test func restartedMonitorNeitherLosesNorDoublesAlarms() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try fx.watch(rules: [Self.hourRule])
        let t = try fx.deliver("r.dat").finishedAt!
        let first = fx.monitor()
        try first.pass(at: t + 50 * 60)
        first.close()
        // "Restart": a new monitor on the same state, passing the same moment again.
        let second = fx.monitor()
        try second.pass(at: t + 50 * 60)
        #expect(try fx.alarms().count == 1)
        try second.pass(at: t + 61 * 60)
        try first.pass(at: t + 61 * 60)
        #expect(try fx.alarms(.pickupOverdue).count == 1)
        #expect(try fx.alarms(.pickupWarning).first?.resolution == "escalated")
        let overdue = try #require(try fx.alarms(.pickupOverdue).first)
        #expect(try fx.store.alarmEvents(alarmId: overdue.id!).map(\.event) == [.raised])
    }

    @Test func repeatedDeliveryFailuresAndMissedExtracts() throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        let now = Date()
        for i in 0..<3 {
            _ = try fx.store.startDelivery(DeliveryRecord(outboxId: nil, system: "modtager", fileName: "f\(i)", remotePath: "IN/f\(i)",
                                                          bytes: 1, sha256: nil, transferUUID: "\(i)", startedAt: now,
                                                          outcome: .failed, errorCode: "sftp.connect", error: "connection refused"))
        }
        let monitor = fx.monitor()
        try monitor.pass(at: now)
        let failing = try #require(try fx.alarms(.deliveryFailing).first)
        #expect(failing.summary.contains("3 failed attempts"))
        try fx.deliver("ok.dat")
        try monitor.pass(at: now + 60)
        #expect(try fx.store.alarm(id: failing.id!)?.resolution == "recovered")

        let slot = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try monitor.extractMissed(extract: "cpr-kbh-status", slot: slot, reason: "source unavailable") != nil)
        #expect(try monitor.extractMissed(extract: "cpr-kbh-status", slot: slot, reason: "source unavailable") == nil, "once per slot")
        #expect(try fx.alarms(.extractMissing).count == 1)
    }
}
