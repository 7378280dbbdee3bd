import Administration
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
            print(ConfigurationExport.yaml(try store.configuration().configOwned), terminator: "")
        }
    }
}

struct SystemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systems", abstract: "Receiver systems: their inboxes, and registration by their suppliers.",
        subcommands: [List.self, Show.self, Register.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The systems you can see and their inboxes.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            try Output(json: json).emit(try administering { try desk.systems(p) }, columns: [
                ("SYSTEM", \.name), ("INBOX", { "sftp://\($0.sftp.user)@\($0.sftp.host):\($0.sftp.port)/\($0.sftp.inbox)" }),
                ("ORIGIN", \.origin.rawValue), ("SUPPLIER", { $0.supplier ?? "-" }),
                ("PINNED", { "\($0.sftp.hostKeyFingerprints.count)" }), ("TRIAL", { $0.trial ? "yes" : "-" }),
            ], empty: "No systems. Add them to the configuration and run `udtraek config apply`, or register one with `udtraek systems register`.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One system, with the public key to authorise in its inbox.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Argument(help: "The system's name.") var name: String
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let s = try administering { try desk.system(p, name: name) }
            try SystemsCommand.print(s, json: json)
        }
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register",
            abstract: "Register your IT system (a supplier's user): its inbox, its client certificate, where notices go.",
            discussion: "Prints the public key the platform will log in to the inbox with: add it to the inbox user's authorized_keys.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var acting: ActingOptions
        @Option(help: "The system's name (lowercase letters, digits, . _ -).") var name: String
        @Option(help: "Its UUID (default: a new one).") var uuid: String?
        @Option(help: "A description.") var description: String?
        @Option(help: "The inbox's SFTP host.") var host: String
        @Option(help: "Its port.") var port = 22
        @Option(help: "The SFTP user.") var user: String
        @Option(help: "The inbox folder.") var inbox = "IN"
        @Option(name: .customLong("host-key-fingerprint"), help: "A pinned SHA-256 host-key fingerprint (repeat).") var fingerprints: [String] = []
        @Option(help: "The client certificate's subject, e.g. CN=esdh-x,O=Systemhuset.") var certificateSubject: String?
        @Option(help: "The client certificate's SHA-256 fingerprint.") var certificateFingerprint: String?
        @Option(help: "The client certificate's serial number.") var certificateSerial: String?
        @Option(help: "Where notices about the system go.") var noticeAddress: String?
        @Flag(help: "A trial connection: agreements in force at once, for synthetic test data.") var trial = false
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let (_, desk) = try global.openDesk()
            let p = try acting.principal(desk)
            let s = try administering {
                try desk.registerSystem(p, .init(
                    name: name, uuid: uuid, description: description,
                    certificate: .init(subject: certificateSubject, fingerprint: certificateFingerprint, serial: certificateSerial),
                    sftp: .init(host: host, port: port, user: user, inbox: inbox, hostKeyFingerprints: fingerprints),
                    noticeAddress: noticeAddress, trial: trial))
            }
            try SystemsCommand.print(s, json: json)
        }
    }

    static func print(_ s: SystemView, json: Bool) throws {
        if json { try Output(json: true).emit([s], columns: [], empty: ""); return }
        Swift.print("System \(s.name) (\(s.uuid ?? "no UUID")), \(s.origin == .admin ? "registered by \(s.supplier ?? "-")" : "from the configuration")\(s.trial ? ", trial connection" : "")")
        Swift.print("  inbox sftp://\(s.sftp.user)@\(s.sftp.host):\(s.sftp.port)/\(s.sftp.inbox), \(s.sftp.hostKeyFingerprints.count) pinned host key(s)")
        if let c = s.certificate { Swift.print("  client certificate: \(c.subject ?? "-") \(c.fingerprint ?? "") \(c.serial.map { "serial \($0)" } ?? "")") }
        if let key = s.publicKey { Swift.print("  authorise this key in the inbox: \(key)") }
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
