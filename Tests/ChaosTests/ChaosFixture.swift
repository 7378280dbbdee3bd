#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import SFTPClient
import Store
import UdtraekTesting

/// One crash point's world: a state directory with a configuration applied, a private
/// sshd with the receiver's inbox, and the real `udtraek` executable. Made fresh for every
/// point by `withChaosFixture`, which stops the sshd before it returns.
final class ChaosFixture {
    let directory: String
    let sshd: LocalSSHD
    var state: String { directory + "/state" }
    var configPath: String { directory + "/udtraek.yaml" }
    var inbox: String { sshd.inboxRoot("modtager") + "/IN" }
    /// What every command a scenario runs printed, for a failure's report.
    private(set) var transcript: [String] = []

    /// The production date of the extracts run by hand (a past business day).
    static let date = "2026-11-20"

    init(directory: String, sshd: LocalSSHD) {
        self.directory = directory
        self.sshd = sshd
    }

    /// The configuration: one receiver on the private sshd, a CPR and a KLE extract.
    func writeConfig(extra: String = "") throws {
        let key = directory + "/keys/modtager"
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 3000 }, kle: { seed: 3 } }
            municipalities:
              - { code: "0101", name: København }
              - { code: "0751", name: Aarhus }
            systems:
              - name: modtager
                inbox: { host: 127.0.0.1, port: \(sshd.port), user: \(LocalSSHD.loginUser), private_key: \(key), host_key_fingerprints: [\(try sshd.hostKeyFingerprint)] }
            agreements:
              - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
              - { uuid: 659fc821-435a-40d1-9077-10b54714a190, system: modtager, municipality: "0751", service: kle-extract, state: approved }
            extracts:
              - name: kbh-status
                source: cpr
                kind: status
                system: modtager
                municipality: "0101"
                gzip_level: 1
            \(extra)
              - { name: kle-full, source: kle, kind: status, system: modtager, municipality: "0751" }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// How one `udtraek` process ended.
    struct Ended {
        var status: Int32?
        var output: String
        var killed: Bool { status == 128 + SIGKILL }
    }

    /// Runs `udtraek ARGS --state STATE` to its end, at most `limit` (then it is killed and
    /// reported as not ended).
    @discardableResult
    func udtraek(_ arguments: [String], environment: [String: String] = [:], limit: Duration = .seconds(180)) async throws -> Ended {
        let log = directory + "/cli-\(transcript.count).log"
        let child = try UdtraekCLI.start(arguments + ["--state", state], logPath: log, environment: environment)
        let ended = await child.waitForExit(within: limit)
        if ended == nil { child.stop(signal: SIGKILL) }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let status = ended == nil ? nil : child.exitStatus
        transcript.append("$ udtraek \(arguments.joined(separator: " "))\(environment.isEmpty ? "" : " \(environment)") -> \(status.map(String.init) ?? "timed out")\n\(output)")
        return Ended(status: status, output: output)
    }

    /// A command of a scenario's setup, which must succeed.
    func setup(_ arguments: [String]) async throws {
        let ended = try await udtraek(arguments)
        guard ended.status == 0 else { throw HarnessError("setup `udtraek \(arguments.joined(separator: " "))` failed: \(ended.output)") }
    }

    /// Writes to the state database directly: scenarios move dates (a schedule's creation,
    /// a pickup's retention end) into the past instead of waiting for them.
    func sql(_ statement: String) throws {
        let queue = try DatabaseQueue(path: state + "/state.db")
        try queue.write { try $0.execute(sql: statement) }
    }

    func store() throws -> Store { try Store(stateDirectory: state) }

    var transcriptText: String { transcript.joined(separator: "\n") }
}

/// Runs `body` with a fresh fixture: a generated receiver key, a private sshd (stopped
/// before this returns) and the configuration applied through `udtraek config apply`.
func withChaosFixture<T>(configExtra: String = "", _ body: (ChaosFixture) async throws -> T) async throws -> T {
    let directory = NSTemporaryDirectory() + "udtraek-chaos-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let key = directory + "/keys/modtager"
    try SSHKeys.generate(.ed25519, at: key)
    return try await withLocalSSHD(directory: directory + "/sshd",
                                   accounts: [.init(system: "modtager", publicKeyPath: key + ".pub")]) { sshd in
        let fx = ChaosFixture(directory: directory, sshd: sshd)
        try fx.writeConfig(extra: configExtra)
        try await fx.setup(["config", "apply", "--config", fx.configPath])
        return try await body(fx)
    }
}
