import Foundation
import SFTPClient
import Testing
import UdtraekTesting

/// Session setup against a real OpenSSH sshd on 127.0.0.1.
@Suite struct SessionTests {
    @Test func ed25519LoginListsTheInbox() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            let session = try SSHSession(options: fx.options())
            let sftp = try session.sftp()
            let names = try sftp.list(".").map(\.name).sorted()
            #expect(names == ["IN", "OUT"])
            #expect(session.hostKeyFingerprint == (try fx.sshd.hostKeyFingerprint))
        }
    }

    /// Closing the SSH session first, then releasing its SFTP session and an open file,
    /// touched freed libssh2 memory (a crash found by the demo's file transfer).
    @Test func closingTheSessionBeforeItsSFTPSessionAndFilesIsSafe() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            for _ in 0..<3 {
                let session = try SSHSession(options: fx.options())
                var sftp: SFTPSession? = try session.sftp()
                var file: SFTPFile? = try sftp?.open("IN/x", write: true)
                session.close()
                file = nil
                sftp = nil
                #expect(file == nil && sftp == nil)
            }
        }
    }

    @Test func rsaLoginWorksWithTheSHA1Allowance() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .rsa)
            defer { fx.tearDown() }
            let session = try SSHSession(options: fx.options())
            #expect(try session.sftp().stat("IN")?.isDirectory == true)
        }
    }

    @Test func wrongHostKeyIsRefusedNamingBothFingerprints() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            let wrong = "SHA256:" + String(repeating: "A", count: 43)
            #expect {
                _ = try SSHSession(options: fx.options(fingerprints: [wrong]))
            } throws: { error in
                guard let e = error as? SFTPError, e.code == .hostKeyMismatch else { return false }
                let offered = (try? fx.sshd.hostKeyFingerprint) ?? "?"
                return e.description.contains(wrong) && e.description.contains(offered)
            }
            // Nothing was authenticated: sshd never saw a public key offered.
            #expect(!fx.sshd.log.contains("Accepted publickey"))
        }
    }

    @Test func unpinnedServerIsRefused() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            #expect { _ = try SSHSession(options: fx.options(fingerprints: [])) } throws: {
                ($0 as? SFTPError)?.code == .hostKeyNotPinned
            }
        }
    }

    @Test func unknownKeyIsRefused() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            let other = fx.directory + "/other_key"
            try SSHKeys.generate(.ed25519, at: other)
            var options = try fx.options()
            options.privateKeyPath = other
            #expect { _ = try SSHSession(options: options) } throws: { error in
                guard let e = error as? SFTPError else { return false }
                return e.code == .authentication && e.isPermanent
            }
        }
    }

    @Test func keyReadableByOthersIsRefusedBeforeConnecting() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            chmod(fx.keyPath, 0o644)
            let connectionsBefore = fx.sshd.log.components(separatedBy: "Connection from").count
            #expect { _ = try SSHSession(options: fx.options()) } throws: { error in
                guard let e = error as? SFTPError else { return false }
                return e.code == .keyPermissions && e.description.contains("chmod 600")
            }
            #expect(fx.sshd.log.components(separatedBy: "Connection from").count == connectionsBefore)
        }
    }

    @Test func encryptedKeyNeedsItsPassphrase() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519, passphrase: "hemmelig kode")
            defer { fx.tearDown() }
            #expect { _ = try SSHSession(options: fx.options()) } throws: { ($0 as? SFTPError)?.code == .passphrase }
            var options = try fx.options()
            options.passphrase = "forkert"
            #expect { _ = try SSHSession(options: options) } throws: { ($0 as? SFTPError)?.code == .passphrase }
            options.passphrase = "hemmelig kode"
            _ = try SSHSession(options: options)
        }
    }

    @Test func serverNotListeningIsAConnectError() async throws {
        try await offThePool {
            let port = try LocalSSHD.freePort()
            let options = SSHConnectionOptions(host: "127.0.0.1", port: port, user: "x",
                                               hostKeyFingerprints: ["SHA256:" + String(repeating: "A", count: 43)],
                                               privateKeyPath: "/dev/null")
            let dir = NSTemporaryDirectory() + "udtraek-nolisten-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var withKey = options
            withKey.privateKeyPath = dir + "/key"
            try SSHKeys.generate(.ed25519, at: withKey.privateKeyPath)
            #expect { _ = try SSHSession(options: withKey) } throws: { error in
                guard let e = error as? SFTPError else { return false }
                return e.code == .connect && !e.isPermanent && e.description.contains("Nothing listens")
            }
        }
    }

    @Test func noCommonCipherNamesWhatEachSideOffered() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519, extraConfig: ["Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com"])
            defer { fx.tearDown() }
            #expect { _ = try SSHSession(options: fx.options()) } throws: { error in
                guard let e = error as? SFTPError, e.code == .algorithmMismatch else { return false }
                return e.description.contains("chacha20-poly1305@openssh.com") && e.description.contains("aes128-ctr")
            }
        }
    }

    @Test func serverAlgorithmsProbeReadsKexinit() async throws {
        try await offThePool {
            let fx = try SSHFixture(keyType: .ed25519)
            defer { fx.tearDown() }
            let algs = try ServerAlgorithms.probe(host: "127.0.0.1", port: fx.sshd.port, timeout: .seconds(5))
            #expect(algs.ciphers.contains("aes128-ctr"))
            #expect(algs.hostKey.contains("ssh-ed25519"))
        }
    }
}
