import Foundation
import SFTPClient
import UdtraekTesting

/// One sshd with one receiver system whose key is of the given type.
struct SSHFixture {
    let directory: String
    let sshd: LocalSSHD
    let keyPath: String
    let system = "modtager"

    init(keyType: SSHKeys.KeyType, passphrase: String = "", extraConfig: [String] = []) throws {
        directory = NSTemporaryDirectory() + "udtraek-sftp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyPath = directory + "/client_key"
        try SSHKeys.generate(keyType, at: keyPath, passphrase: passphrase)
        sshd = try LocalSSHD(directory: directory + "/sshd",
                             accounts: [.init(system: system, publicKeyPath: keyPath + ".pub")])
        sshd.extraConfig = extraConfig
        try sshd.start()
    }

    func options(fingerprints: [String]? = nil) throws -> SSHConnectionOptions {
        SSHConnectionOptions(host: "127.0.0.1", port: sshd.port, user: LocalSSHD.loginUser,
                             hostKeyFingerprints: try fingerprints ?? [sshd.hostKeyFingerprint],
                             privateKeyPath: keyPath, connectTimeout: .seconds(5), operationTimeout: .seconds(10))
    }

    var inbox: String { sshd.inboxRoot(system) + "/IN" }

    func tearDown() {
        sshd.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
