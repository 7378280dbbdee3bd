import Delivery
import Foundation
import Logging
import Monitoring
import Runtime
import SFTPClient
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// Faults under a backlog (issue 15, item 4): the receiver's sshd down, its host key
/// changed, the wall clock stepped, the state database locked by another process. Each
/// gives a clear error, loses nothing, raises an alarm where an operator must act, and
/// recovers without a restart when its cause goes away.
@Suite struct DeliveryFaultTests {
    /// `count` small files queued for `modtager`, in order.
    static func backlog(_ fx: DeliveryFixture, _ service: DeliveryService, count: Int) throws -> [OutboxEntry] {
        try (1...count).map { i in
            let local = try fx.makeFile("D26112\(i).L000001", size: 64 << 10)
            return try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
        }
    }

    static func entries(_ fx: DeliveryFixture, _ queued: some Sequence<OutboxEntry>) throws -> [OutboxEntry] {
        try queued.map { try #require(try fx.store.outboxEntry(id: $0.id ?? -1)) }
    }

    /// The sshd stops after the first file of four: the rest get one attempt each with the
    /// connection error and a backoff; a wall-clock step of an hour makes them due once
    /// (no storm, none skipped); when the sshd is back they are delivered, each once.
    @Test func sshdDownMidBacklogRetriesWithBackoffAndDeliversEachFileOnceWhenItIsBack() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let time = ManualClock()
            let service = fx.service(clock: time.clock)   // jitter unit 0.5: backoffs are exactly 30 s, 60 s, ...
            let queued = try Self.backlog(fx, service, count: 4)
            #expect(service.deliverDue(limit: 1).map(\.outcome) == [.delivered])

            fx.sshd.stop()
            let down = service.deliverDue()
            #expect(down.count == 3 && down.allSatisfy { $0.outcome == .failed })
            for record in down {
                let error = record.error ?? ""
                #expect(error.contains("connecting to 127.0.0.1:\(fx.sshd.port)") && error.lowercased().contains("connection refused"), "\(error)")
            }
            var waiting = try Self.entries(fx, queued.dropFirst())
            #expect(waiting.allSatisfy { $0.state == .ready && $0.attempts == 1 && $0.nextAttemptAt == time.date.addingTimeInterval(30) },
                    "\(waiting.map { "\($0.state) \($0.attempts) \($0.nextAttemptAt)" })")
            #expect(service.deliverDue().isEmpty, "nothing is due before its backoff")

            // NTP steps the wall clock forward an hour: every held file is due, each is
            // tried once, and its next backoff counts from the new time.
            time.stepWallClock(by: 3600)
            #expect(service.deliverDue().count == 3)
            waiting = try Self.entries(fx, queued.dropFirst())
            #expect(waiting.allSatisfy { $0.state == .ready && $0.attempts == 2 && $0.nextAttemptAt == time.date.addingTimeInterval(60) },
                    "\(waiting.map { "\($0.state) \($0.attempts) \($0.nextAttemptAt)" })")
            #expect(service.deliverDue().isEmpty, "no retry storm after the step")

            try fx.sshd.start()
            time.advance(by: .seconds(60))
            let back = service.deliverDue()
            #expect(back.map(\.outcome) == [.delivered, .delivered, .delivered], "\(back.map { $0.error ?? "" })")
            #expect(try Self.entries(fx, queued).allSatisfy { $0.state == .delivered })
            let names = queued.map(\.fileName)
            #expect(fx.inboxNames() == (names + names.map { $0 + ".metadata" }).sorted())
            let delivered = try fx.store.deliveries(limit: 100).filter { $0.outcome == .delivered }
            #expect(delivered.map(\.fileName).sorted() == names.sorted(), "each file delivered once")
        }
    }

    /// The receiver's host key changes after the first file: the rest are refused before
    /// anything is sent, with a message naming both keys, wait in `error` with no retries,
    /// and the monitor raises `delivery.failing`; pinning the new key (config apply) lets
    /// the backlog go out at the next pass and the alarm resolves.
    @Test func hostKeyChangedMidBacklogHoldsTheFilesUntilTheNewKeyIsPinned() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let time = ManualClock()
            let service = fx.service(clock: time.clock)
            let queued = try Self.backlog(fx, service, count: 3)
            #expect(service.deliverDue(limit: 1).map(\.outcome) == [.delivered])

            let pinned = try fx.sshd.hostKeyFingerprint
            fx.sshd.stop()
            try FileManager.default.removeItem(atPath: fx.sshd.hostKeyPath)
            try FileManager.default.removeItem(atPath: fx.sshd.hostKeyPath + ".pub")
            try SSHKeys.generate(.ed25519, at: fx.sshd.hostKeyPath, comment: "a new host key")
            try fx.sshd.start()
            let offered = try fx.sshd.hostKeyFingerprint
            #expect(offered != pinned)

            let refused = service.deliverDue()
            #expect(refused.count == 2 && refused.allSatisfy { $0.outcome == .failed && $0.errorCode == "sftp.hostKeyMismatch" })
            for record in refused {
                #expect(record.error?.contains("the host key for modtager changed: pinned \(pinned), got \(offered)") == true, "\(record.error ?? "")")
            }
            #expect(try Self.entries(fx, queued.dropFirst()).allSatisfy { $0.state == .error })
            #expect(fx.inboxNames() == [queued[0].fileName, queued[0].fileName + ".metadata"], "nothing uploaded, nothing partial")
            time.advance(by: .seconds(7200))
            #expect(service.deliverDue().isEmpty, "no retries while the key is not pinned")

            // The operator sees it: the monitor's pass raises delivery.failing.
            let monitor = PickupMonitor(store: fx.store, logger: Logger(label: "test.monitor"), clock: time.clock)
            defer { monitor.close() }
            try monitor.runPassBlocking()
            let alarm = try #require(try fx.store.alarms(openOnly: true).first { $0.kind == .deliveryFailing })
            #expect(alarm.system == "modtager" && alarm.summary.contains("host key for modtager changed"), "\(alarm.summary)")

            // A wrong key is pinned first: the files are released, the alarm resolves, they
            // are refused again, and the operator is told again (a new alarm, not one
            // deduplicated against the resolved one).
            try SSHKeys.generate(.ed25519, at: fx.directory + "/wrong_host_key")
            fx.systems[0].hostKeyFingerprints = [try SSHKeys.fingerprint(publicKeyPath: fx.directory + "/wrong_host_key.pub")]
            try fx.apply(at: time.date)
            try monitor.runPassBlocking()
            #expect(try fx.store.alarm(id: alarm.id!)?.isOpen == false)
            #expect(service.deliverDue().map(\.errorCode) == ["sftp.hostKeyMismatch", "sftp.hostKeyMismatch"])
            try monitor.runPassBlocking()
            let again = try #require(try fx.store.alarms(openOnly: true).first { $0.kind == .deliveryFailing }, "refused again, not alarmed again")
            #expect(again.id != alarm.id)

            // The right key is pinned (config apply): the held files go out, without a restart.
            fx.systems[0].hostKeyFingerprints = [offered]
            try fx.apply(at: time.date)
            #expect(try fx.store.auditLog(action: "outbox.released").map(\.detail).allSatisfy { $0.hasPrefix("2 file(s)") })
            let released = service.deliverDue()
            #expect(released.map(\.outcome) == [.delivered, .delivered], "\(released.map { $0.error ?? "" })")
            let names = queued.map(\.fileName)
            #expect(fx.inboxNames() == (names + names.map { $0 + ".metadata" }).sorted())
            try monitor.runPassBlocking()
            #expect(try fx.store.alarms(openOnly: true).filter { $0.kind == .deliveryFailing }.isEmpty, "the alarm resolves")
        }
    }

    /// Another process (the sqlite3 shell) holds the state database's write lock for 30 s.
    /// A write waits the bounded busy timeout and fails naming the lock and the file; the
    /// delivery worker keeps running, loses nothing, and delivers once the lock is gone.
    @Test(.enabled(if: DatabaseLockHolder.isAvailable, "needs the sqlite3 shell (/usr/bin/sqlite3) to hold the lock"))
    func databaseLockedByAnotherProcessFor30Seconds() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let time = ManualClock()
            let service = fx.service(clock: time.clock)
            let queued = try Self.backlog(fx, service, count: 1)
            let flag = fx.directory + "/locked"
            let holder = try DatabaseLockHolder.start(database: fx.store.path, seconds: 30, flag: flag, logPath: fx.directory + "/sqlite3.log")
            defer { holder.stop(signal: SIGKILL) }
            #expect(await eventually { FileManager.default.fileExists(atPath: flag) }, "the sqlite3 shell never took the lock")

            do {
                try fx.store.audit(AuditEntry(at: time.date, actor: "test", action: "test.write", subject: "x", detail: ""))
                #expect(holder.hasExited, "a write succeeded while another process held the lock")
            } catch let error as StoreError {
                #expect(error.isLocked)
                #expect(error.description.contains("the state database \(fx.store.path) is locked by another process"), "\(error)")
            }

            let worker = DeliveryWorker(delivery: service, poll: .seconds(60), clock: time.clock)
            try await withRunning(worker) {
                // The first pass meets the lock (or, on a very slow machine, its end).
                await time.waitForSleepers(atLeast: 1)
                let entry = try #require(try fx.store.outboxEntry(id: queued[0].id!))
                #expect([.ready, .delivered].contains(entry.state), "nothing lost: \(entry.state)")
                #expect(await holder.waitForExit(within: .seconds(120)) != nil, "the lock holder did not end")
                time.advance(by: .seconds(60))
                #expect(await eventually { (try? fx.store.outboxEntry(id: queued[0].id!))?.state == .delivered },
                        "not delivered after the lock was released")
            }
            #expect(fx.inboxNames() == [queued[0].fileName, queued[0].fileName + ".metadata"])
        }
    }
}
