import Extracts
import Foundation
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// Fault: Spool/ fills up during an extract (issue 15, item 4). A tiny tmpfs is mounted on
/// the test's spool folder; the run must fail with a clear error, leave nothing partial and
/// queue nothing, and the next run must produce the file once space is back, in the same
/// process (no restart).
@Suite struct SpoolFullTests {
    /// Mounts a tmpfs of `size` on `directory` for the length of `body`, and unmounts it
    /// whatever happens.
    static func withTmpfs<T>(_ directory: String, size: String, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mounted = try ChildProcess.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", directory])
        guard mounted.status == 0 else { throw HarnessError("mounting a tmpfs on \(directory) failed: \(mounted.output)") }
        defer { _ = try? ChildProcess.run("/usr/bin/umount", ["-l", directory]) }
        return try body()
    }

    @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs on the spool folder needs root"))
    func aFullSpoolFailsTheRunCleanlyAndTheNextRunProducesItWithoutARestart() async throws {
        try await offThePool {
            // About 22,000 København persons: a few MiB of gzip, far more than the 64 KiB volume.
            let fx = try ExtractFixture(ExtractFixture.config(persons: 200_000))
            defer { fx.tearDown() }
            let spool = fx.directory + "/state/outbox"
            try Self.withTmpfs(spool, size: "64k") {
                let runner = fx.runner()
                do {
                    _ = try runner.run("kbh-status", date: fx.today)
                    Issue.record("the extract succeeded on a full spool")
                } catch let error as ExtractError {
                    #expect(error.code == .spool)
                    #expect(error.message.contains("no space left in \(spool): free ") && error.message.contains("the extract needs more"),
                            "\(error.message)")
                }
                // Nothing partial under any name, nothing queued, the run says why.
                #expect(fx.spoolFiles.isEmpty, "\(fx.spoolFiles)")
                #expect(try fx.store.outbox().isEmpty)
                let failed = try #require(try fx.store.runs().first)
                #expect(failed.state == .failed)
                #expect(failed.error?.contains("no space left in \(spool)") == true, "\(failed.error ?? "")")

                // Space comes back (the volume is grown); the same runner, no restart.
                let grown = try ChildProcess.run("/usr/bin/mount", ["-o", "remount,size=256m", spool])
                #expect(grown.status == 0, "\(grown.output)")
                let produced = try runner.run("kbh-status", date: fx.today)
                #expect(produced.state == .produced)
                let outboxId = try #require(produced.outboxId)
                let entry = try #require(try fx.store.outboxEntry(id: outboxId))
                #expect(fx.spoolFiles == [(entry.localPath as NSString).lastPathComponent])
                #expect(try sha256sum(entry.localPath) == produced.sha256)
                #expect(try fx.store.outbox().count == 1)
            }
        }
    }
}
