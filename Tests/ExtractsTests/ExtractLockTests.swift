import Extracts
import Foundation
import Store
import Synchronization
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// Fault: another process holds the state database's lock for 30 s while an extract is
/// being written (issue 15, item 4). The file is complete before the lock goes; its commit
/// (outbox entry and run row together) waits the lock out instead of leaving the run
/// `running` under a live process, which only a restart would settle.
@Suite struct ExtractLockTests {
    @Test(.enabled(if: DatabaseLockHolder.isAvailable, "needs the sqlite3 shell (/usr/bin/sqlite3) to hold the lock"))
    func aLockHeldDuringTheExtractIsWaitedOutAndTheRunIsProduced() async throws {
        try await offThePool {
            let fx = try ExtractFixture(ExtractFixture.config(persons: 200_000))
            defer { fx.tearDown() }
            let flag = fx.directory + "/locked"
            let (database, log) = (fx.store.path, fx.directory + "/sqlite3.log")
            let holder = Mutex<ChildProcess?>(nil)
            defer { holder.withLock { $0?.stop(signal: SIGKILL) } }
            // The lock is taken the moment the extract starts writing its file, and held 30 s.
            let watch = try ConditionWatch(within: .seconds(120), { fx.spoolFiles.contains { $0.hasPrefix(".tmp-") } }, then: {
                holder.withLock {
                    $0 = try? DatabaseLockHolder.start(database: database, seconds: 30, flag: flag, logPath: log)
                }
            })
            let run = try fx.runner().run("kbh-status", date: fx.today)
            #expect(await watch.seen(), "the extract never wrote its temporary file")
            #expect(FileManager.default.fileExists(atPath: flag), "the sqlite3 shell never took the lock")
            #expect(run.state == .produced)
            let outboxId = try #require(run.outboxId)
            let entry = try #require(try fx.store.outboxEntry(id: outboxId))
            #expect(entry.state == .ready)
            #expect(try sha256sum(entry.localPath) == run.sha256)
            #expect(try fx.store.runs().map(\.state) == [.produced])
        }
    }
}
