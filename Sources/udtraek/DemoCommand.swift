#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import UdtraekConfig
import Delivery
import Extracts
import Foundation
import Logging
import Scheduler
import SFTPClient
import Runtime
import Store
import UdtraekTesting

/// `make demo`: the whole path on one machine, with a private sshd standing in for the
/// receivers' SFTP server.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start a private sshd on 127.0.0.1, apply the configuration, produce a CPR extract and deliver it.",
        discussion: "Every system in the configuration whose inbox is on 127.0.0.1 gets an inbox on the private sshd (under STATE/demo-sshd). The sshd is stopped on exit unless --keep-running.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Leave the sshd running after the demo (prints how to stop it).") var keepRunning = false

    func run() throws {
        global.bootstrapLogging()
        let configFile = global.configFile
        // Keys are checked after the step that makes the missing ones.
        var loaded = try ConfigurationFile.load(path: configFile)
        let local = loaded.snapshot.systems.filter { ["127.0.0.1", "localhost"].contains($0.sftpHost) }
        guard let first = local.first else { throw Failure("No system in \(configFile) has its inbox on 127.0.0.1; nothing to demonstrate.") }
        guard local.allSatisfy({ $0.sftpPort == first.sftpPort }) else {
            throw Failure("The demo serves one port; the local systems use several (\(Set(local.map(\.sftpPort)).sorted())).")
        }
        let state = global.stateDirectory
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)

        step("Keys")
        for system in local where !FileManager.default.fileExists(atPath: system.privateKeyPath) {
            try FileManager.default.createDirectory(atPath: (system.privateKeyPath as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try SSHKeys.generate(.ed25519, at: system.privateKeyPath, comment: "udtraek:\(system.name)")
            print("  made \(system.privateKeyPath) for \(system.name)")
        }
        local.forEach { print("  \($0.name): \($0.privateKeyPath)") }
        loaded = try ConfigurationFile.load(path: configFile, checkingFiles: true)

        step("Private sshd")
        // Something else on the port would answer in place of the demo's sshd, and the
        // demo would deliver to it: refuse before starting.
        if let problem = Self.portTaken(first.sftpPort) { throw Failure(problem) }
        let configDirectory = (configFile as NSString).deletingLastPathComponent
        let sshd = try LocalSSHD(directory: (state as NSString).appendingPathComponent("demo-sshd"), port: first.sftpPort,
                                 hostKeyPath: (configDirectory as NSString).appendingPathComponent("demo/ssh_host_ed25519_key"),
                                 accounts: local.map { .init(system: $0.name, publicKeyPath: $0.privateKeyPath + ".pub") })
        // The demo's inboxes are its own: start empty so a second demo on the same day
        // does not meet the first one's file under the refuse policy.
        try? FileManager.default.removeItem(atPath: sshd.directory + "/inboxes")
        try sshd.start()
        // Stopped on every way out (an error included), unless the demo ends well with
        // --keep-running, which detaches it below.
        defer { sshd.stop() }
        // The banner may still have come from another server that took the port after the
        // check: only our own sshd's log says it listens.
        guard sshd.isRunning, sshd.log.contains("Server listening on 127.0.0.1 port \(sshd.port)") else {
            throw Failure("The demo's sshd could not listen on 127.0.0.1:\(sshd.port), so another program answers there; the demo stops rather than deliver to it. Its log: \(sshd.log.suffix(600))")
        }
        print("  sshd on 127.0.0.1:\(sshd.port), host key \(try sshd.hostKeyFingerprint), config \(sshd.directory)/sshd_config")

        step("Apply \(configFile)")
        let store = try Store(stateDirectory: state)
        let diff = try loaded.apply(to: store, actor: "demo")
        if diff.isEmpty { print("  nothing to change") } else { diff.changes.forEach { print("  \($0)") } }

        let runner = ExtractRunner(store: store, stateDirectory: state, logger: Logger(label: "udtraek.demo"))
        _ = try runner.recoverAtStartup()
        let service = DeliveryService(store: store, logger: Logger(label: "udtraek.demo"))
        let definitions = loaded.snapshot.extracts
        guard let demo = definitions.first(where: { d in d.kind == .status && d.source == .cpr && local.contains { $0.name == d.system } }) else {
            throw Failure("\(configFile) has no CPR status extract for a local system; nothing to demonstrate.")
        }
        step("Extract \(demo.name) (CPR status, municipality \(demo.municipality)) for \(demo.system)")
        let run = try runner.run(demo.name, trigger: .manual, actor: "demo", rerun: true)
        print("  produced \(run.fileName ?? "-"): \(run.persons ?? 0) persons, \(run.records ?? 0) records, \(Format.bytes(run.textBytes ?? 0)) of ISO-8859-1 text, \(Format.bytes(run.fileBytes ?? 0)) gzip")
        guard let outboxId = run.outboxId else { throw Failure("The demo's extract run \(run.id ?? 0) queued no file; see `udtraek runs`.") }
        let record = try service.deliverNow(outboxId: outboxId)
        guard record.outcome == .delivered else { throw Failure("The demo delivery failed: \(record.error ?? "?")\n\(sshd.log.suffix(2000))") }
        let inboxPath = local.first { $0.name == demo.system }?.inboxPath ?? "IN"
        let inbox = sshd.inboxRoot(demo.system) + "/" + inboxPath
        let name = record.fileName
        print("  delivered \(Format.bytes(record.bytes)) in \(record.durationMs ?? 0) ms, sha256 \(record.sha256 ?? "-")")
        print("  the file:     \(inbox)/\(name)")
        print("  its metadata: \(inbox)/\(name).metadata")
        print("  read it:      zcat '\(inbox)/\(name)' | iconv -f ISO-8859-1 | head")
        print("")
        print((try? String(contentsOfFile: "\(inbox)/\(name).metadata", encoding: .utf8)) ?? "")

        try DemoAgreements.endPrevious(store: store)
        if let refused = definitions.first(where: { d in (try? store.approvedAgreement(system: d.system, municipality: d.municipality, service: d.service)) == nil }) {
            step("Extract \(refused.name) without an approved agreement")
            do {
                try runner.run(refused.name, trigger: .manual, actor: "demo", rerun: true)
            } catch let error as ExtractError {
                print("  refused, as it must be: \(error.message)")
            }
            let lifecycle = try DemoAgreements.run(store: store, state: state, refused: refused, runner: runner, service: service)
            if !lifecycle.isEmpty {
                step("The agreement's life: requested by the supplier, approved by the municipality's signatory")
                lifecycle.forEach { print($0) }
            }
        }

        let transfer = try DemoTransfer.run(store: store, state: state, sshd: sshd, local: local, service: service)
        if !transfer.isEmpty {
            step("File transfer between systems (OUT/NAME + NAME.trigger, routed to the recipient's IN/)")
            transfer.forEach { print($0) }
        }

        let lookups = try DemoGateway.run(store: store)
        if !lookups.isEmpty {
            step("Lookups through the gateway (HTTPS, sag-kbh's client certificate)")
            lookups.forEach { print($0) }
        }

        let schedules = try store.schedules()
        if !schedules.isEmpty {
            step("Schedules (run by `udtraek serve`)")
            for state in schedules {
                let s = state.schedule
                let next = (try? ConfiguredSchedule(state).schedule.nextRuns(after: RuntimeClock.system.date, count: 3)) ?? []
                let zone = TimeZone(identifier: s.timeZone) ?? .gmt
                print("  \(s.extract): \"\(s.cron)\" \(s.calendar) in \(s.timeZone); next: \(next.map { Format.local($0, zone) }.joined(separator: ", "))")
            }
        }

        step("Recorded")
        print("  udtraek runs --state \(state)         (extract runs, including the refusal)")
        print("  udtraek deliveries --state \(state)   (the delivery row)")
        print("  udtraek audit --state \(state)        (the config apply, the agreement's request and approval)")
        print("  udtraek agreements --state \(state)   (agreements and their state; `agreements show UUID` for one's history)")
        print("  udtraek gateway calls --state \(state) (the gateway's call audit)")
        print("  udtraek schedule list --state \(state) (schedules; `udtraek schedule next NAME` to check one)")
        if keepRunning {
            sshd.detach()
            print("\nThe sshd keeps running (pid file \(sshd.directory)/sshd.pid). Stop it with: kill $(cat \(sshd.directory)/sshd.pid)")
        } else {
            print("\nThe demo sshd is stopped; nothing is left running.")
        }
    }

    private func step(_ title: String) { print("\n== \(title)") }

    /// Why the demo's sshd cannot listen on 127.0.0.1:`port`, or nil.
    static func portTaken(_ port: Int) -> String? {
        guard let reason = LocalSSHD.bindProblem(port: port) else { return nil }
        return "127.0.0.1:\(port) is taken (\(reason)): another program listens there, perhaps a demo sshd left running with --keep-running (stop it with kill $(cat STATE/demo-sshd/sshd.pid)). The demo needs the port for its own sshd and does not deliver to another server; free the port, or give the local systems another port in the configuration."
    }
}
