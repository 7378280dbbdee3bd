import Extracts
import Foundation
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// Kill the process in the middle: afterwards there is no partial file in Spool/ and no
/// outbox entry without its file.
@Suite struct CrashSafetyTests {
    @Test func killedDuringTheExtractLeavesNothingAfterRecovery() async throws {
        try await offThePool {
            // Large enough that the run lasts a while: about 1.1 million København persons.
            let fx = try ExtractFixture(ExtractFixture.config(persons: 10_000_000))
            defer { fx.tearDown() }
            let state = fx.directory + "/state"
            let log = fx.directory + "/extract.log"
            let child = try UdtraekCLI.start(["extract", "run", "kbh-status", "--no-deliver", "--state", state,
                                              "--date", "2026-11-20"], logPath: log)
            // Killed without warning the instant the temporary file has data.
            let writing = try ConditionWatch(within: .seconds(120), {
                guard let temp = fx.spoolFiles.first(where: { $0.hasPrefix(".tmp-") }),
                      let size = (try? FileManager.default.attributesOfItem(atPath: state + "/outbox/" + temp))?[.size] as? NSNumber
                else { return false }
                return size.intValue > 1 << 20
            }, then: { child.stop(signal: SIGKILL) })
            let sawTemporary = await writing.seen()
            child.stop(signal: SIGKILL)
            #expect(sawTemporary, "the extract never wrote its temporary file: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            #expect(try fx.store.runs().first?.state == .running)
            #expect(try fx.store.outbox().isEmpty)

            let recovered = try UdtraekCLI.run(["serve", "--once", "--state", state])
            #expect(recovered.status == 0, "\(recovered.output)")
            #expect(fx.spoolFiles.isEmpty, "\(fx.spoolFiles)")
            let run = try #require(try fx.store.runs().first)
            #expect(run.state == .failed)
            #expect(run.error?.contains("interrupted") == true)
            #expect(try fx.store.outbox().isEmpty)
        }
    }

    /// Killed between the rename and the outbox commit: a complete file nothing points at.
    @Test func completeFileWithoutItsOutboxEntryIsRemovedAtStartup() async throws {
        try await offThePool {
            let fx = try ExtractFixture()
            defer { fx.tearDown() }
            let runner = fx.runner()
            let kept = try runner.run("kbh-status", date: fx.today)
            let orphan = fx.directory + "/state/outbox/99-D261123.L000017.orphan.gz"
            FileManager.default.createFile(atPath: orphan, contents: Data("complete but never committed".utf8))
            let report = try runner.recoverAtStartup()
            #expect(report.contains { $0.contains("99-D261123.L000017.orphan.gz") })
            #expect(!FileManager.default.fileExists(atPath: orphan))
            // The committed file and its entry are untouched.
            let outboxId = try #require(kept.outboxId)
            let entry = try #require(try fx.store.outboxEntry(id: outboxId))
            #expect(FileManager.default.fileExists(atPath: entry.localPath))
        }
    }
}
