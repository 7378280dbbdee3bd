import Foundation
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// Faults seen by a real `udtraek serve` process (issue 15, item 4).
@Suite struct ServeFaultTests {
    /// Another process holds the state database's lock for 30 s while serve runs: its
    /// services meet the lock, log the clear error (which file, which lock) and go on; no
    /// service ends the process; the file that came due during the lock is delivered once
    /// it is released, without a restart.
    @Test(.enabled(if: DatabaseLockHolder.isAvailable, "needs the sqlite3 shell (/usr/bin/sqlite3) to hold the lock"))
    func serveKeepsRunningThroughA30SecondLockAndDeliversAfterIt() async throws {
        try await ServeFixture.with { fx in
            try await fx.withReceiver { _, inbox in
                let store = try Store(stateDirectory: fx.state)
                _ = try fx.enqueue("D261124.L000901", size: 20_000, store: store)
                let serve = try fx.startServe(["--poll", "1"])
                #expect(await eventually { (try? store.outbox().allSatisfy { $0.state == .delivered }) == true }, "\(fx.log)")

                // A file due in two seconds, then the lock: it comes due while serve cannot write.
                _ = try fx.enqueue("D261124.L000902", size: 20_000, store: store, dueAt: Date().addingTimeInterval(2))
                let flag = fx.directory + "/locked"
                let holder = try DatabaseLockHolder.start(database: store.path, seconds: 30, flag: flag, logPath: fx.directory + "/sqlite3.log")
                defer { holder.stop(signal: SIGKILL) }
                #expect(await eventually { FileManager.default.fileExists(atPath: flag) }, "the sqlite3 shell never took the lock")
                #expect(await eventually { fx.log.contains("the state database \(store.path) is locked by another process") }, "\(fx.log)")
                #expect(await holder.waitForExit(within: .seconds(120)) != nil, "the lock holder did not end")

                #expect(await eventually { (try? store.outbox().allSatisfy { $0.state == .delivered }) == true }, "\(fx.log)")
                #expect(!serve.hasExited, "serve ended during the lock: \(fx.log)")
                let listed = ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).sorted()
                #expect(listed == ["D261124.L000901", "D261124.L000901.metadata", "D261124.L000902", "D261124.L000902.metadata"])
                serve.send(SIGTERM)
                #expect(await serve.waitForExit() != nil, "\(fx.log)")
            }
        }
    }
}
