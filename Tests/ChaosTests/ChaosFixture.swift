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

    /// The folder a routing scenario's sender drops files in.
    var senderOut: String { sshd.inboxRoot("afsender") + "/OUT" }

    /// Another system's IN/ (routing scenarios have a second recipient).
    func inbox(of system: String) -> String { sshd.inboxRoot(system) + "/IN" }

    /// The InfRef the routing scenarios' agreements allow.
    static let infRef = "urn:chaos:data"

    /// The configuration: one receiver on the private sshd, a CPR and a KLE extract; with
    /// `routing`, a sender `afsender` and a second recipient `modtager2`, with file-transfer
    /// agreements from the sender to both receivers.
    func writeConfig(extra: String = "", routing: Bool = false) throws {
        let key = directory + "/keys/modtager"
        let fingerprint = try sshd.hostKeyFingerprint
        let routingSystems = !routing ? "" : """
              - name: afsender
                inbox: { host: 127.0.0.1, port: \(sshd.port), user: \(LocalSSHD.loginUser), private_key: \(directory)/keys/afsender, host_key_fingerprints: [\(fingerprint)] }
                sender: { path: OUT, poll_interval: 1s }
              - name: modtager2
                inbox: { host: 127.0.0.1, port: \(sshd.port), user: \(LocalSSHD.loginUser), private_key: \(directory)/keys/modtager2, host_key_fingerprints: [\(fingerprint)] }

            """
        let routingAgreements = !routing ? "" : """
              - { uuid: 4b0c1f2e-3d4a-4b5c-8d6e-7f8091a2b3c4, system: modtager, municipality: "0751", service: file-transfer, sender: afsender, infref: "\(Self.infRef)", state: approved }
              - { uuid: 5c1d2e3f-4a5b-4c6d-9e7f-8091a2b3c4d5, system: modtager2, municipality: "0751", service: file-transfer, sender: afsender, infref: "\(Self.infRef)", state: approved }

            """
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 3000 }, kle: { seed: 3 } }
            municipalities:
              - { code: "0101", name: København }
              - { code: "0751", name: Aarhus }
            systems:
              - name: modtager
                inbox: { host: 127.0.0.1, port: \(sshd.port), user: \(LocalSSHD.loginUser), private_key: \(key), host_key_fingerprints: [\(fingerprint)] }
            \(routingSystems)agreements:
            \(routingAgreements)  - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
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
func withChaosFixture<T>(configExtra: String = "", routing: Bool = false, _ body: (ChaosFixture) async throws -> T) async throws -> T {
    let directory = NSTemporaryDirectory() + "udtraek-chaos-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var accounts: [LocalSSHD.Account] = []
    for system in ["modtager"] + (routing ? ["afsender", "modtager2"] : []) {
        let key = directory + "/keys/" + system
        try SSHKeys.generate(.ed25519, at: key)
        accounts.append(.init(system: system, publicKeyPath: key + ".pub"))
    }
    return try await withLocalSSHD(directory: directory + "/sshd", accounts: accounts) { sshd in
        let fx = ChaosFixture(directory: directory, sshd: sshd)
        try fx.writeConfig(extra: configExtra, routing: routing)
        try await fx.setup(["config", "apply", "--config", fx.configPath])
        return try await body(fx)
    }
}
