import ChangeOrders
import Delivery
import Foundation
import Runtime
import SFTPClient
import Store
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// A state directory with one receiver system whose inbox is on a private sshd, a desk
/// and an executor on a manual clock the test moves, and a verification probe with short
/// timeouts.
final class ChangeOrderFixture: @unchecked Sendable {
    let directory: String
    let store: Store
    let sshd: LocalSSHD
    var system: ReceiverSystem
    var monitoring = MonitoringConfiguration()
    var gateway = GatewayConfiguration()
    /// The desk's and the executor's clock; `manual.advance(toDate:)` moves it.
    let manual = ManualClock(start: Date(timeIntervalSince1970: 1_795_000_000)) // 2026-11-18

    var now: Date { manual.date }

    init() throws {
        directory = NSTemporaryDirectory() + "udtraek-changes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        store = try Store(stateDirectory: directory + "/spool")
        sshd = try LocalSSHD(directory: directory + "/sshd")
        try SSHKeys.generate(.ed25519, at: directory + "/keys/old")
        try sshd.addAccount(.init(system: "modtager", publicKeyPath: directory + "/keys/old.pub"))
        try sshd.start()
        system = ReceiverSystem(name: "modtager", uuid: UUID().uuidString.lowercased(), sftpHost: "127.0.0.1", sftpPort: sshd.port,
                                sftpUser: LocalSSHD.loginUser, inboxPath: "IN", privateKeyPath: directory + "/keys/old",
                                hostKeyFingerprints: [try sshd.hostKeyFingerprint])
        monitoring.receivers = [ReceiverMonitoring(system: "modtager", rules: [PickupRule(collectWithinSeconds: 4 * 3600)])]
        try apply()
    }

    func tearDown() {
        sshd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func apply() throws {
        try store.replaceConfiguration(
            with: ConfigurationSnapshot(platform: PlatformSettings(sender: "udtraek-test"), systems: [system], monitoring: monitoring,
                                        gateway: gateway),
            audit: AuditEntry(at: Date(), actor: "test", action: "config.apply", subject: "fixture", detail: ""))
    }

    var desk: ChangeDesk { ChangeDesk(store: store, clock: manual.clock) }

    var executor: ChangeExecutor {
        ChangeExecutor(store: store, probe: SFTPChangeProbe(connectTimeout: .seconds(3), operationTimeout: .seconds(5)),
                       clock: manual.clock)
    }

    /// An executor whose verification finds the change not working, whatever it is: the one
    /// way to see a settings-only change (InfRef, certificate), whose read-back cannot fail
    /// on a healthy store, roll back.
    var refusingExecutor: ChangeExecutor {
        ChangeExecutor(store: store, probe: RefusingProbe(), clock: manual.clock)
    }

    func state(_ order: ChangeOrder) throws -> ChangeOrderState? {
        try store.changeOrder(id: order.id!)?.state
    }

    /// Waits until `condition` holds, for work on other threads; the bound (60 s of real
    /// time) only matters when the test is failing anyway.
    func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw HarnessError("gave up waiting: \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func submit(_ kind: ChangeKind, system: String = "modtager", orderRef: String? = "B-1", at: Date? = nil, reason: String = "test",
                _ request: ChangeRequest) throws -> ChangeOrder {
        try desk.submit(ChangeSubmission(system: system, kind: kind, orderRef: orderRef, at: at, reason: reason,
                                         submittedBy: "ops-anna", request: request))
    }

    func receipts(_ order: ChangeOrder) throws -> [ChangeReceiptKind] {
        try store.changeReceipts(orderId: order.id!).map(\.kind)
    }

    func newKey(_ name: String) throws -> String {
        try SSHKeys.generate(.ed25519, at: directory + "/keys/\(name)")
        return directory + "/keys/\(name)"
    }

    /// Delivers a small file through the real delivery path; returns the delivery.
    func deliver(_ name: String) throws -> DeliveryRecord {
        let local = directory + "/" + name
        try Data("content of \(name)\n".utf8).write(to: URL(fileURLWithPath: local))
        let service = DeliveryService(store: store)
        let entry = try service.enqueue(localPath: local, system: "modtager", ownedBySpool: false)
        return try service.deliverNow(outboxId: entry.id!)
    }
}

/// Verification that always fails, saying so.
struct RefusingProbe: ChangeProbe {
    func verify(_ input: ProbeInput) throws -> String {
        throw HarnessError("the test's probe refuses the \(input.kind.rawValue) change of \(input.system.name)")
    }
}
