import ArgumentParser
import Foundation
import Monitoring
import SFTPClient
import Runtime
import Store
import UdtraekTesting

/// `make bench-monitor`: many receiver inboxes with files on a loopback sshd, one
/// monitoring pass timed, and the SSH sessions it opened counted.
struct BenchMonitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Time monitoring passes over many inboxes on a private sshd; print a JSON line.")
    @Option var inboxes = 1000
    @Option var files = 10
    @Option(help: "shared: one monitoring login per host (the platform's key); own: each receiver's key.") var mode = "shared"
    @Option(help: "Parallel host workers.") var parallelHosts = 4
    @Option var directory: String?

    func run() throws {
        let dir = directory ?? NSTemporaryDirectory() + "udtraek-bench-monitor-\(UUID().uuidString)"
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: dir) } }
        try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
        let sshd = try LocalSSHD(directory: dir + "/sshd")
        try SSHKeys.generate(.ed25519, at: dir + "/keys/monitor")
        try sshd.addAccount(.init(system: "monitor", publicKeyPath: dir + "/keys/monitor.pub", root: sshd.inboxesRoot))
        let names = (0..<inboxes).map { String(format: "modtager-%04d", $0) }
        if mode == "own" {
            for name in names {
                try SSHKeys.generate(.ed25519, at: dir + "/keys/\(name)")
                try sshd.addAccount(.init(system: name, publicKeyPath: dir + "/keys/\(name).pub"))
            }
        }
        try sshd.start()
        defer { sshd.stop() }
        let fingerprint = try sshd.hostKeyFingerprint
        let store = try Store(stateDirectory: dir + "/spool")
        let delivered = RuntimeClock.system.date.addingTimeInterval(-60)
        var systems: [ReceiverSystem] = []
        var receivers: [ReceiverMonitoring] = []
        var deliveries: [DeliveryRecord] = []
        for name in names {
            let inbox = sshd.inboxRoot(name) + "/IN"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            for f in 0..<files {
                let file = String(format: "D261123.L%06d", f)
                guard FileManager.default.createFile(atPath: inbox + "/" + file, contents: Data("x".utf8)),
                      FileManager.default.createFile(atPath: inbox + "/" + file + ".metadata", contents: Data("<m/>".utf8))
                else { throw ValidationError("cannot write the benchmark's inbox files in \(inbox)") }
                deliveries.append(DeliveryRecord(outboxId: nil, system: name, fileName: file, remotePath: "IN/" + file, bytes: 1,
                                                 sha256: nil, transferUUID: UUID().uuidString, startedAt: delivered,
                                                 finishedAt: delivered, outcome: .delivered))
            }
            systems.append(ReceiverSystem(name: name, sftpHost: "127.0.0.1", sftpPort: sshd.port, sftpUser: LocalSSHD.loginUser,
                                          privateKeyPath: dir + "/keys/\(mode == "own" ? name : "monitor")", hostKeyFingerprints: [fingerprint]))
            receivers.append(ReceiverMonitoring(system: name, rules: [PickupRule(collectWithinSeconds: 4 * 3600, warningBeforeSeconds: 3600)]))
        }
        var settings = MonitoringSettings()
        if mode == "shared" {
            settings.logins = [MonitorLogin(host: "127.0.0.1", port: sshd.port, user: LocalSSHD.loginUser,
                                            privateKeyPath: dir + "/keys/monitor", hostKeyFingerprints: [fingerprint], inboxRoot: "{system}")]
        }
        try store.replaceConfiguration(with: ConfigurationSnapshot(systems: systems,
                                                                   monitoring: MonitoringConfiguration(settings: settings, receivers: receivers)),
                                       audit: AuditEntry(at: RuntimeClock.system.date, actor: "bench", action: "config.apply", subject: "bench", detail: ""))
        try store.recordDeliveriesForBenchmark(deliveries)

        let monitor = PickupMonitor(store: store, options: MonitorOptions(parallelHosts: parallelHosts))
        let first = try monitor.runPassBlocking()
        // Every receiver collects one file; the next pass must see all of them.
        for name in names { try FileManager.default.removeItem(atPath: sshd.inboxRoot(name) + "/IN/D261123.L000000") }
        let second = try monitor.runPassBlocking()
        let third = try monitor.runPassBlocking()
        monitor.close()
        print(#"{"mode": "\#(mode)", "inboxes": \#(inboxes), "files": \#(inboxes * files), "first_pass_s": \#(first.seconds), "first_pass_tracked": \#(first.tracked), "pass_s": \#(second.seconds), "pickups_detected": \#(second.collectedOnTime), "steady_pass_s": \#(third.seconds), "unreachable": \#(second.unreachable.count), "sessions_opened": \#(monitor.sessionsOpened)}"#)
    }
}
