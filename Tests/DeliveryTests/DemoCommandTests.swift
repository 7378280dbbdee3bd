import Foundation
import SFTPClient
import Testing
import UdtraekTesting
#if canImport(Glibc)
import Glibc
#endif

/// `udtraek demo`, the real executable: its private sshd is stopped when the demo ends,
/// unless `--keep-running`, which must leave it running as it says.
@Suite struct DemoCommandTests {
    /// Whether `pid` is a live process (a zombie waiting to be reaped is not).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    @Test func keepRunningLeavesTheSSHDRunningAndWithoutItNothingIsLeft() async throws {
        let dir = NSTemporaryDirectory() + "udtraek-demo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/demo", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SSHKeys.generate(.ed25519, at: dir + "/demo/ssh_host_ed25519_key")
        let fingerprint = try SSHKeys.fingerprint(publicKeyPath: dir + "/demo/ssh_host_ed25519_key.pub")
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 2000 } }
            municipalities: [{ code: "0101", name: København }]
            systems:
              - name: modtager
                inbox: { host: 127.0.0.1, port: \(try LocalSSHD.freePort()), user: \(LocalSSHD.loginUser), private_key: keys/modtager, host_key_fingerprints: [\(fingerprint)] }
            agreements:
              - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
            extracts:
              - { name: kbh-status, source: cpr, kind: status, system: modtager, municipality: "0101", gzip_level: 1 }
            """.write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let arguments = ["demo", "--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        let pidFile = dir + "/state/demo-sshd/sshd.pid"
        func sshdPid() -> pid_t? {
            (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        let plain = try await UdtraekCLI.runDetached(arguments)
        #expect(plain.status == 0, "\(plain.output)")
        #expect(plain.output.contains("nothing is left running"), "\(plain.output)")
        // sshd removes its pid file when it stops; a pid left behind must not be alive.
        #expect(sshdPid().map(Self.isAlive) != true, "the demo's sshd outlived the demo")

        let kept = try await UdtraekCLI.runDetached(arguments + ["--keep-running"])
        #expect(kept.status == 0, "\(kept.output)")
        #expect(kept.output.contains("The sshd keeps running"), "\(kept.output)")
        let pid = try #require(sshdPid(), "no pid file: \(kept.output)")
        defer { kill(pid, SIGKILL) }
        #expect(Self.isAlive(pid), "the sshd was stopped although --keep-running says it keeps running")
        // Stopped the way the demo says: kill $(cat STATE/demo-sshd/sshd.pid).
        #expect(kill(pid, SIGTERM) == 0)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while Self.isAlive(pid), clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!Self.isAlive(pid), "the kept sshd did not stop on SIGTERM")
    }
}
