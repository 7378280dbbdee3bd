import ArgumentParser
import UdtraekConfig
import Foundation
import Store

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check, apply and export the configuration.",
        subcommands: [Check.self, Apply.self, Export.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file without changing anything.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file to check (default: the --config file).") var file: String?

        func run() throws {
            let path = file ?? global.configFile
            let loaded = try ConfigurationFile.load(path: path, checkingFiles: true)
            let s = loaded.snapshot
            print("\(path) is valid: \(s.municipalities.count) municipalities, \(s.systems.count) systems, \(s.agreements.count) agreements.")
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a configuration file into the state database, showing what changes.",
            discussion: "All or nothing: an invalid file changes nothing. Applying the same file twice changes nothing the second time.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file to apply (default: the --config file).") var file: String?
        @Flag(help: "Show what would change without changing it.") var dryRun = false
        @Option(help: "Who applies it, for the audit log.") var actor: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"

        func validate() throws { try Arguments.checkLine(actor, "--actor") }

        func run() throws {
            let path = file ?? global.configFile
            let loaded = try ConfigurationFile.load(path: path, checkingFiles: true)
            let store = try global.openStore(creating: true)
            let diff = try loaded.apply(to: store, actor: actor, dryRun: dryRun)
            if diff.isEmpty {
                print("\(path): nothing to change; the state already matches.")
                return
            }
            diff.changes.forEach { print($0) }
            if dryRun {
                print("(dry run: nothing changed)")
                return
            }
            print("Applied \(diff.changes.count) change\(diff.changes.count == 1 ? "" : "s") from \(path).")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the current state as a configuration file to standard output.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try global.openStore()
            print(ConfigurationExport.yaml(try store.configuration()), terminator: "")
        }
    }
}

struct SystemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "systems", abstract: "List the receiver systems and their inboxes.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        let store = try global.openStore()
        try Output(json: json).emit(try store.configuration().systems, columns: [
            ("SYSTEM", \.name), ("INBOX", { "sftp://\($0.sftpUser)@\($0.sftpHost):\($0.sftpPort)/\($0.inboxPath)" }),
            ("KEY", \.privateKeyPath), ("EXISTING", \.existingTarget.rawValue),
            ("PINNED", { "\($0.hostKeyFingerprints.count)" }),
        ], empty: "No systems. Add them to the configuration and run `udtraek config apply`.")
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this action, e.g. config.apply.") var action: String?
    @Option(help: "How many rows.") var limit = 50
    @Flag(help: "JSON for scripts.") var json = false

    func validate() throws { try Arguments.checkLimit(limit) }

    func run() throws {
        let store = try global.openStore()
        try Output(json: json).emit(try store.auditLog(limit: limit, action: action), columns: [
            ("ID", { "\($0.id ?? 0)" }), ("AT", { Format.time($0.at) }), ("ACTOR", \.actor), ("ACTION", \.action),
            ("SUBJECT", \.subject), ("DETAIL", { $0.detail.replacingOccurrences(of: "\n", with: " | ") }),
        ], empty: "The audit log is empty.")
    }
}
