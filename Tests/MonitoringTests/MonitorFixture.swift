import Delivery
import Foundation
import Monitoring
import Runtime
import SFTPClient
import Store
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// A state directory, a store, a private sshd with receiver inboxes on it, and helpers to
/// deliver files for real (the same upload path as production) and to act as the receiver.
final class MonitorFixture: @unchecked Sendable {
    let directory: String
    let store: Store
    let sshd: LocalSSHD
    var systems: [ReceiverSystem] = []
    var monitoring = MonitoringConfiguration()

    init(systems names: [String] = ["modtager"], sharedLogin: Bool = false) throws {
        directory = NSTemporaryDirectory() + "udtraek-monitor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        store = try Store(stateDirectory: directory + "/spool")
        sshd = try LocalSSHD(directory: directory + "/sshd")
        for name in names {
            try SSHKeys.generate(.ed25519, at: directory + "/keys/\(name)")
            try sshd.addAccount(.init(system: name, publicKeyPath: directory + "/keys/\(name).pub"))
        }
        try SSHKeys.generate(.ed25519, at: directory + "/keys/monitor")
        try sshd.addAccount(.init(system: "monitor", publicKeyPath: directory + "/keys/monitor.pub", root: sshd.inboxesRoot))
        try sshd.start()
        let fingerprint = try sshd.hostKeyFingerprint
        systems = names.map {
            ReceiverSystem(name: $0, uuid: UUID().uuidString.lowercased(), sftpHost: "127.0.0.1", sftpPort: sshd.port,
                           sftpUser: LocalSSHD.loginUser, inboxPath: "IN", privateKeyPath: directory + "/keys/\($0)",
                           hostKeyFingerprints: [fingerprint])
        }
        if sharedLogin {
            monitoring.settings.logins = [MonitorLogin(host: "127.0.0.1", port: sshd.port, user: LocalSSHD.loginUser,
                                                       privateKeyPath: directory + "/keys/monitor", hostKeyFingerprints: [fingerprint],
                                                       inboxRoot: "{system}")]
        }
        try apply()
    }

    func tearDown() {
        sshd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func apply() throws {
        try store.replaceConfiguration(
            with: ConfigurationSnapshot(platform: PlatformSettings(sender: "udtraek-test"), systems: systems, monitoring: monitoring),
            audit: AuditEntry(at: Date(), actor: "test", action: "config.apply", subject: "fixture", detail: ""))
    }

    func watch(_ system: String = "modtager", signal: PickupSignal = .deleted, movedTo: String? = nil, retention: Int? = nil,
               rules: [PickupRule]) throws {
        monitoring.receivers.removeAll { $0.system == system }
        monitoring.receivers.append(ReceiverMonitoring(system: system, signal: signal, movedTo: movedTo,
                                                       receiptSuffix: signal == .receipt ? ".receipt" : nil,
                                                       retentionSeconds: retention, rules: rules))
        monitoring.receivers.sort { $0.system < $1.system }
        try apply()
    }

    /// A monitor with short SSH timeouts; its dates and timings come from `clock`.
    func monitor(options: MonitorOptions = MonitorOptions(connectTimeout: .seconds(3), operationTimeout: .seconds(5)),
                 clock: RuntimeClock = ManualClock().clock) -> PickupMonitor {
        PickupMonitor(store: store, options: options, clock: clock)
    }

    /// Delivers a small file through the real delivery path; returns the delivery.
    @discardableResult
    func deliver(_ name: String, to system: String = "modtager") throws -> DeliveryRecord {
        let local = directory + "/" + name
        try Data("content of \(name)\n".utf8).write(to: URL(fileURLWithPath: local))
        let service = DeliveryService(store: store)
        let entry = try service.enqueue(localPath: local, system: system, ownedBySpool: false)
        let record = try service.deliverNow(outboxId: entry.id!)
        guard record.outcome == .delivered else { throw HarnessError("delivery failed: \(record.error ?? "")") }
        return record
    }

    func inbox(_ system: String = "modtager") -> String { sshd.inboxRoot(system) + "/IN" }

    func inboxNames(_ system: String = "modtager") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox(system))) ?? []).sorted()
    }

    /// The receiver collects by deleting the file and its metadata, as the platform's clients do.
    func collect(_ name: String, _ system: String = "modtager") throws {
        try FileManager.default.removeItem(atPath: inbox(system) + "/" + name)
        try? FileManager.default.removeItem(atPath: inbox(system) + "/" + name + ".metadata")
    }

    func pickup(_ name: String) throws -> PickupRecord? {
        try store.pickups().first { $0.fileName == name }
    }

    func alarms(_ kind: AlarmKind? = nil) throws -> [AlarmRecord] {
        try store.alarms().filter { kind == nil || $0.kind == kind }
    }
}

extension PickupMonitor {
    @discardableResult
    func pass(at now: Date) throws -> PassReport { try runPassBlocking(now: now) }
}
