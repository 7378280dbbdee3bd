import Delivery
import Foundation
import Runtime
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// The server failing under a transfer: killed, stalled. A receiver must never see a
/// partial file under the final name, and the next attempt must clean up.
@Suite struct DeliveryFailureTests {
    /// Whether the temporary file of an upload in `inbox` holds at least `bytes` bytes.
    static func uploadHasReached(_ bytes: Int, in inbox: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []
        guard let temp = names.first(where: { $0.hasPrefix(".") && $0.hasSuffix(".part") }),
              let size = (try? FileManager.default.attributesOfItem(atPath: inbox + "/" + temp))?[.size] as? NSNumber else { return false }
        return size.intValue >= bytes
    }

    @Test func serverKilledMidTransferLeavesNoPartialFileAndRetryCleansUp() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261125.L000001", size: 400 << 20)
            let time = ManualClock()
            let service = fx.service(clock: time.clock)
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let (sshd, inbox) = (fx.sshd, fx.inbox())
            let watch = try ConditionWatch({ Self.uploadHasReached(8 << 20, in: inbox) }, then: { sshd.killConnections() })
            let record = try service.deliverNow(outboxId: entry.id!)
            #expect(await watch.seen(), "the upload never reached 8 MiB")
            #expect(record.outcome == .failed)
            #expect(["sftp.disconnected", "sftp.write", "sftp.timeout"].contains(record.errorCode ?? ""), "\(record.errorCode ?? "") \(record.error ?? "")")
            let names = fx.inboxNames()
            #expect(!names.contains("D261125.L000001"), "a partial file under the final name: \(names)")
            #expect(!names.contains("D261125.L000001.metadata"))
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .ready)

            time.advance(by: .seconds(3600))
            let retried = service.deliverDue()
            #expect(retried.map(\.outcome) == [.delivered], "\(retried.map { $0.error ?? "" })")
            #expect(fx.inboxNames() == ["D261125.L000001", "D261125.L000001.metadata"])
            #expect(try sha256sum(fx.inbox() + "/D261125.L000001") == (try sha256sum(local)))
        }
    }

    /// A limit the SFTP layer enforces on the socket's real time (libssh2 waits in real
    /// time), so this test measures real time, with a wide margin.
    @Test func stalledTransferIsAbortedAtItsDeadline() async throws {
        try await offThePool {
            let fx = try DeliveryFixture()
            defer { fx.tearDown() }
            let local = try fx.makeFile("D261125.L000002", size: 200 << 20)
            let time = ManualClock()
            // Deadline: 3 s + size at an absurd minimum rate, so the stall (not the size) decides.
            let settings = DeliverySettings(operationTimeout: .seconds(20), deadlineBase: .seconds(3), minimumRate: 1e12)
            let service = fx.service(settings: settings, clock: time.clock)
            let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
            let (sshd, inbox) = (fx.sshd, fx.inbox())
            let watch = try ConditionWatch({ Self.uploadHasReached(4 << 20, in: inbox) }, then: { sshd.signalConnections(SIGSTOP) })
            let started = ContinuousClock.now
            let record = try service.deliverNow(outboxId: entry.id!)
            let took = ContinuousClock.now - started
            sshd.signalConnections(SIGCONT)
            sshd.killConnections()
            #expect(await watch.seen(), "the upload never reached 4 MiB")
            #expect(record.errorCode == "sftp.transferDeadline", "\(record.errorCode ?? "") \(record.error ?? "")")
            #expect(took < .seconds(15), "the stall was not cut off: \(took)")
            #expect(!fx.inboxNames().contains("D261125.L000002"))
            #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .ready)
            #expect(try fx.store.deliveries().first?.error?.contains("deadline") == true)

            time.advance(by: .seconds(3600))
            let retried = fx.service(clock: time.clock).deliverDue()
            #expect(retried.map(\.outcome) == [.delivered], "\(retried.map { $0.error ?? "" })")
            #expect(fx.inboxNames() == ["D261125.L000002", "D261125.L000002.metadata"])
        }
    }
}
