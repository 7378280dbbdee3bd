import Delivery
import Foundation
import Store
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// The server failing under a transfer: killed, stalled. A receiver must never see a
/// partial file under the final name, and the next attempt must clean up.
@Suite struct DeliveryFailureTests {
    /// Runs `action` once the temporary file of the upload has at least `bytes` bytes.
    static func whenUploadReaches(_ bytes: Int, in inbox: String, _ action: @escaping @Sendable () -> Void) -> Thread {
        let thread = Thread {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []
                if let temp = names.first(where: { $0.hasPrefix(".") && $0.hasSuffix(".part") }),
                   let size = (try? FileManager.default.attributesOfItem(atPath: inbox + "/" + temp))?[.size] as? NSNumber,
                   size.intValue >= bytes {
                    action()
                    return
                }
                usleep(2000)
            }
        }
        thread.start()
        return thread
    }

    @Test func serverKilledMidTransferLeavesNoPartialFileAndRetryCleansUp() throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let local = try fx.makeFile("D261125.L000001", size: 400 << 20)
        let clock = TestClock()
        let service = fx.service(now: { clock.now })
        let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
        let sshd = fx.sshd
        _ = Self.whenUploadReaches(8 << 20, in: fx.inbox()) { sshd.killConnections() }
        let record = try service.deliverNow(outboxId: entry.id!)
        #expect(record.outcome == .failed)
        #expect(["sftp.disconnected", "sftp.write", "sftp.timeout"].contains(record.errorCode ?? ""), "\(record.errorCode ?? "") \(record.error ?? "")")
        let names = fx.inboxNames()
        #expect(!names.contains("D261125.L000001"), "a partial file under the final name: \(names)")
        #expect(!names.contains("D261125.L000001.metadata"))
        #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .ready)

        clock.advance(by: 3600)
        let retried = service.deliverDue()
        #expect(retried.map(\.outcome) == [.delivered], "\(retried.map { $0.error ?? "" })")
        #expect(fx.inboxNames() == ["D261125.L000001", "D261125.L000001.metadata"])
        #expect(try sha256sum(fx.inbox() + "/D261125.L000001") == (try sha256sum(local)))
    }

    @Test func stalledTransferIsAbortedAtItsDeadline() throws {
        let fx = try DeliveryFixture()
        defer { fx.tearDown() }
        let local = try fx.makeFile("D261125.L000002", size: 200 << 20)
        let clock = TestClock()
        // Deadline: 3 s + size at an absurd minimum rate, so the stall (not the size) decides.
        let settings = DeliverySettings(operationTimeout: .seconds(20), deadlineBase: .seconds(3), minimumRate: 1e12)
        let service = fx.service(settings: settings, now: { clock.now })
        let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
        let sshd = fx.sshd
        _ = Self.whenUploadReaches(4 << 20, in: fx.inbox()) { sshd.signalConnections(SIGSTOP) }
        let started = ContinuousClock.now
        let record = try service.deliverNow(outboxId: entry.id!)
        let took = ContinuousClock.now - started
        sshd.signalConnections(SIGCONT)
        sshd.killConnections()
        #expect(record.errorCode == "sftp.transferDeadline", "\(record.errorCode ?? "") \(record.error ?? "")")
        #expect(took < .seconds(15), "the stall was not cut off: \(took)")
        #expect(!fx.inboxNames().contains("D261125.L000002"))
        #expect(try fx.store.outboxEntry(id: entry.id!)?.state == .ready)
        #expect(try fx.store.deliveries().first?.error?.contains("deadline") == true)

        clock.advance(by: 3600)
        let retried = fx.service(now: { clock.now }).deliverDue()
        #expect(retried.map(\.outcome) == [.delivered], "\(retried.map { $0.error ?? "" })")
        #expect(fx.inboxNames() == ["D261125.L000002", "D261125.L000002.metadata"])
    }
}

/// A settable clock for the recorded times and retry schedule.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
