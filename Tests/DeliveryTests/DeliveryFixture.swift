import Delivery
import Foundation
import Runtime
import SFTPClient
import Store
import UdtraekTesting

/// A state directory, a store, and a private sshd with receiver systems on it.
final class DeliveryFixture: @unchecked Sendable {
    let directory: String
    let store: Store
    let sshd: LocalSSHD
    var systems: [ReceiverSystem] = []
    var agreements: [ServiceAgreement] = []

    init(systems names: [String] = ["modtager"], policies: [String: ExistingTargetPolicy] = [:]) throws {
        directory = NSTemporaryDirectory() + "udtraek-delivery-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/spool", withIntermediateDirectories: true)
        store = try Store(stateDirectory: directory + "/spool")
        sshd = try LocalSSHD(directory: directory + "/sshd")
        for name in names {
            let key = directory + "/keys/\(name)"
            try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
            try SSHKeys.generate(.ed25519, at: key)
            try sshd.addAccount(.init(system: name, publicKeyPath: key + ".pub"))
        }
        try sshd.start()
        let fingerprint = try sshd.hostKeyFingerprint
        systems = names.map {
            ReceiverSystem(name: $0, uuid: UUID().uuidString.lowercased(), sftpHost: "127.0.0.1", sftpPort: sshd.port,
                           sftpUser: LocalSSHD.loginUser, inboxPath: "IN", privateKeyPath: directory + "/keys/\($0)",
                           hostKeyFingerprints: [fingerprint], existingTarget: policies[$0] ?? .refuse)
        }
        try apply()
    }

    /// Applies `systems` and `agreements` as `config apply` would, at `at` (a test on a
    /// manual clock passes its date).
    func apply(at: Date = Date()) throws {
        try store.replaceConfiguration(
            with: ConfigurationSnapshot(platform: PlatformSettings(sender: "udtraek-test"),
                                        municipalities: [Municipality(code: "0101", name: "København")],
                                        systems: systems, agreements: agreements),
            audit: AuditEntry(at: at, actor: "test", action: "config.apply", subject: "fixture", detail: ""))
    }

    func service(settings: DeliverySettings = DeliverySettings(), clock: RuntimeClock = .system) -> DeliveryService {
        DeliveryService(store: store, settings: settings, clock: clock, random: { 0.5 })
    }

    /// How many SSH logins the sshd has accepted so far (one per session opened).
    var acceptedLogins: Int { sshd.log.components(separatedBy: "Accepted publickey").count - 1 }

    func inbox(_ system: String = "modtager") -> String { sshd.inboxRoot(system) + "/IN" }

    /// Writes a local file of `size` bytes of varied content and returns its path.
    func makeFile(_ name: String, size: Int) throws -> String {
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var written = 0
        var block = [UInt8](repeating: 0, count: 1 << 20)
        var state: UInt64 = 0x1234_5678
        while written < size {
            for i in stride(from: 0, to: block.count, by: 8) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                withUnsafeBytes(of: state) { b in for j in 0..<8 { block[i + j] = b[j] } }
            }
            let n = min(block.count, size - written)
            try handle.write(contentsOf: block[0..<n])
            written += n
        }
        try handle.close()
        return path
    }

    func inboxNames(_ system: String = "modtager") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: inbox(system))) ?? []).sorted()
    }

    func tearDown() {
        sshd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
