import ArgumentParser
import ChangeOrders
import Foundation
import Logging
import Store

/// `udtraek change`: technical change orders (submit, show, list, run-due).
struct ChangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change",
        abstract: "Technical change orders: monitoring, SSH key, inbox, host key, SSL certificate, InfRef; with the platform's receipts.",
        discussion: "An order is received, validated (accepted or rejected with every reason), carried out at its time by `udtraek serve` (or `udtraek change run-due`), verified, and completed, or failed: rolled back and alarmed.",
        subcommands: [Submit.self, Show.self, List.self, RunDue.self])

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit", abstract: "Submit an order; prints its receipts. Exit 1 when it is rejected.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The receiver system.") var system: String
        @Option(help: "monitoring, ssh-key, inbox, host-key, ssl-certificate or infref.") var kind: String
        @Option(help: "The BestillingsID (required except for ssh-key and ssl-certificate).") var orderId: String?
        @Option(help: "When to carry it out: \(RequestedTime.help); default now.") var at: String?
        @Option(help: "Why: goes to the audit log.") var reason: String = ""
        @Option(help: "Who submits, for the audit log.") var actor: String = ProcessInfo.processInfo.environment["USER"] ?? "operator"
        // monitoring
        @Option(help: "monitoring: the rule's file-name glob (default *).") var pattern: String?
        @Option(help: "monitoring: collect within this long after delivery (4h).") var collectWithin: String?
        @Option(help: "monitoring: wall-clock deadline (\"08:00 next business day\").") var deadline: String?
        @Option(help: "monitoring: warn this long before the deadline (30m).") var warningBefore: String?
        @Option(help: "monitoring: reminders while overdue, this far apart (1h).") var repeatEvery: String?
        @Option(help: "monitoring: pickup signal: deleted, moved, read, receipt.") var signal: String?
        @Option(help: "monitoring: for signal moved, the folder collected files go to (IN/processed).") var movedTo: String?
        @Option(help: "monitoring: retention of uncollected files (14d).") var retention: String?
        @Flag(help: "monitoring: remove the system's pickup monitoring.") var removeMonitoring = false
        // ssh-key
        @Option(help: "ssh-key: the new private key (OpenSSH format, mode 0600).") var privateKey: String?
        @Option(help: "ssh-key: environment variable holding the new key's passphrase.") var passphraseEnv: String?
        @Option(help: "ssh-key: file (0600) holding the new key's passphrase.") var passphraseFile: String?
        @Option(help: "ssh-key, ssl-certificate: how long the old key or certificate still works (default 7d; 0s retires it at completion).")
        var overlap: String?
        // inbox
        @Option(help: "inbox: the new SFTP host.") var host: String?
        @Option(help: "inbox: the new port.") var port: Int?
        @Option(help: "inbox: the new SFTP user.") var user: String?
        @Option(help: "inbox: the new inbox folder (IN).") var path: String?
        // host-key
        @Option(name: .customLong("fingerprint"), help: "host-key: a pinned SHA256:... fingerprint (repeat for several).")
        var fingerprints: [String] = []
        // ssl-certificate
        @Option(help: "ssl-certificate: the system's new gateway client certificate (a PEM file, public part only).")
        var certificate: String?
        // infref
        @Option(help: "infref: the data type (InfRef) for the metadata of the system's extract files.") var infref: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            global.bootstrapLogging()
            guard let kind = ChangeKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var when: Date?
            if let at {
                switch RequestedTime.read(at) {
                case .success(let parsed): when = parsed
                case .failure(let problem): throw ValidationError("--at \(problem)")
                }
            }
            // The order carries the certificate's text, read here at the edge.
            let pem = try certificate.map { path -> String in
                guard let data = FileManager.default.contents(atPath: path),
                      data.count <= ChangeValidation.maximumCertificateBytes, let text = String(data: data, encoding: .utf8) else {
                    throw ValidationError("--certificate \(path.displaySafe(limit: 80)): cannot read it as a PEM file of at most \(ChangeValidation.maximumCertificateBytes) bytes; give the path of the client certificate (openssl x509 -outform PEM)")
                }
                return text
            }
            let key = privateKey.map { $0.hasPrefix("/") ? $0 : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent($0) }
            let request = ChangeRequest(pattern: pattern, collectWithin: collectWithin, deadline: deadline, warningBefore: warningBefore,
                                        repeatEvery: repeatEvery, signal: signal, movedTo: movedTo, retention: retention,
                                        removeMonitoring: removeMonitoring ? true : nil, privateKey: key.map { ($0 as NSString).standardizingPath },
                                        passphraseEnv: passphraseEnv, passphraseFile: passphraseFile, overlap: overlap,
                                        host: host, port: port, user: user, path: path, fingerprints: fingerprints.isEmpty ? nil : fingerprints,
                                        certificate: pem, infRef: infref)
            let store = try global.openStore()
            let order = try ChangeDesk(store: store).submit(ChangeSubmission(system: system, kind: kind, orderRef: orderId, at: when,
                                                                           reason: reason, submittedBy: actor, request: request))
            try ChangeCommand.print(order, receipts: try store.changeReceipts(orderId: order.id ?? 0), json: json)
            if !json {
                Swift.print(order.state == .accepted
                            ? "\nOrder \(order.id ?? 0) accepted; `udtraek serve` carries it out \(when == nil ? "at once" : "at \(Format.time(order.executeAt))") (or run `udtraek change run-due`)."
                            : "\nOrder \(order.id ?? 0) rejected. Correct it and submit a new order.")
            }
            if order.state == .rejected { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One order with all its receipts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The change order id.") var id: Int64
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            guard let order = try store.changeOrder(id: id) else { throw Failure("There is no change order \(id); see `udtraek change list`.") }
            try ChangeCommand.print(order, receipts: try store.changeReceipts(orderId: id), json: json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Change orders, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this system.") var system: String?
        @Option(help: "How many rows.") var limit = 100
        @Flag(help: "JSON for scripts.") var json = false

        func validate() throws { try Arguments.checkLimit(limit) }

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.changeOrders(system: system, limit: limit), columns: [
                ("ID", { "\($0.id ?? 0)" }), ("RECEIVED", { Format.time($0.receivedAt) }), ("SYSTEM", \.system),
                ("KIND", \.kind.rawValue), ("BESTILLINGSID", { $0.orderRef ?? "-" }), ("STATE", \.state.rawValue),
                ("AT", { Format.time($0.executeAt) }), ("BY", \.submittedBy), ("REASON", { String($0.reason.prefix(60)) }),
            ], empty: "No change orders.")
        }
    }

    struct RunDue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-due", abstract: "Carry out and verify the orders whose time has come, retire ended key and certificate overlaps (for cron).")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Pretend it is this time (tests).", visibility: .hidden)) var now: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            global.bootstrapLogging()
            let store = try global.openStore()
            let when = try now.map { text -> Date in
                switch RequestedTime.read(text) {
                case .success(let d): return d
                case .failure(let problem): throw ValidationError("--now \(problem)")
                }
            }
            let report = try ChangeExecutor(store: store, logger: Logger(label: "udtraek.changes")).runDueBlocking(now: when)
            if json {
                struct Answer: Encodable { var completed: [Int64]; var failed: [Int64]; var retiredKeys: [String]; var retiredCertificates: [String]
                    enum CodingKeys: String, CodingKey {
                        case completed, failed, retiredKeys = "retired_keys", retiredCertificates = "retired_certificates"
                    } }
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                Swift.print(String(decoding: try e.encode(Answer(completed: report.completed, failed: report.failed, retiredKeys: report.retiredKeys,
                                                                 retiredCertificates: report.retiredCertificates)), as: UTF8.self))
            } else {
                Swift.print("completed: \(report.completed.map(String.init).joined(separator: ", ").ifEmpty("none")); failed: \(report.failed.map(String.init).joined(separator: ", ").ifEmpty("none")); old keys retired: \(report.retiredKeys.joined(separator: ", ").ifEmpty("none")); old certificates retired: \(report.retiredCertificates.joined(separator: ", ").ifEmpty("none"))")
            }
            if !report.failed.isEmpty { throw ExitCode(1) }
        }
    }

    static func print(_ order: ChangeOrder, receipts: [ChangeReceipt], json: Bool) throws {
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            e.dateEncodingStrategy = .iso8601
            Swift.print(String(decoding: try e.encode(ChangeOrderView(order: order, receipts: receipts)), as: UTF8.self))
            return
        }
        // The order's text is as it was received, a rejected order's too: shown escaped.
        Swift.print("Change order \(order.id ?? 0): \(order.kind.rawValue) for \(order.system.displaySafe(limit: 80)), \(order.state.rawValue)")
        Swift.print("  BestillingsID \(order.orderRef?.displaySafe(limit: 80) ?? "- (self-service)"); submitted by \(order.submittedBy.displaySafe(limit: 80)) at \(Format.time(order.receivedAt)); to be carried out \(Format.time(order.executeAt))")
        if !order.reason.isEmpty { Swift.print("  reason: \(order.reason.displaySafe(limit: 2000))") }
        Swift.print("")
        try Output(json: false).emit(receipts, columns: [
            ("AT", { Format.time($0.at) }), ("RECEIPT", \.kind.rawValue), ("DETAIL", \.detail),
        ], empty: "No receipts.")
        for r in receipts where !r.reasons.isEmpty {
            Swift.print("\nReasons (\(r.kind.rawValue)):")
            r.reasons.forEach { Swift.print("  - \($0.displaySafe(limit: 2000))") }
        }
    }
}

/// An order and its receipts, as `change show --json` and the API answer it.
struct ChangeOrderView: Encodable {
    var order: ChangeOrder
    var receipts: [ChangeReceipt]
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
