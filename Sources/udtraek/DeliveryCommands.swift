import ArgumentParser
import Delivery
import Foundation
import Logging
import Runtime
import Store

struct DeliverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver a file into a receiver system's SFTP inbox now.",
        discussion: """
        The file is queued in the outbox and delivered at once: uploaded under a hidden temporary name, \
        verified, renamed into place, then NAME.metadata is written. On a transient failure the entry stays \
        in the outbox for `udtraek serve` (or `udtraek outbox deliver`) to retry. Exits non-zero on failure.
        """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The file to deliver.") var file: String
    @Option(help: "The receiver system.") var to: String
    @Option(help: "The name in the inbox (default: the file's name).") var name: String?
    @Option(help: "InfRef (data type) for the metadata's routing info.") var infRef: String?

    func validate() throws {
        if let infRef {
            if infRef.isEmpty { throw ValidationError("--inf-ref must not be empty; leave it out for no InfRef") }
            if let problem = InputText.metadataProblem(infRef, "--inf-ref") { throw ValidationError(problem) }
            guard infRef.utf8.count <= 256 else { throw ValidationError("--inf-ref is \(infRef.utf8.count) bytes long; at most 256 are accepted") }
        }
        if let name, let problem = DeliveredFileName.problem(name) {
            throw ValidationError("--name '\(name.displaySafe(limit: 80))' cannot be a file in the inbox: \(problem)")
        }
        try Arguments.checkLine(to, "--to")
    }

    func run() throws {
        global.bootstrapLogging()
        let store = try global.openStore(creating: true)
        let service = DeliveryService(store: store, logger: Logger(label: "udtraek.deliver"))
        let path = (file as NSString).standardizingPath
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let entry = try service.enqueue(localPath: absolute, system: to, fileName: name, ownedBySpool: false,
                                        routing: RoutingInfo(infRef: infRef))
        guard let id = entry.id else { throw Failure("The outbox entry for \(absolute) was not recorded; see `udtraek outbox list`.") }
        let record = try service.deliverNow(outboxId: id)
        guard record.outcome == .delivered else {
            let after = try store.outboxEntry(id: id)
            let next = after?.state == .ready ? " It stays in the outbox (entry \(id)) and will be retried from \(Format.time(after?.nextAttemptAt))." : " Outbox entry \(id) is in state error; fix the cause and run `udtraek outbox retry \(id)`."
            throw Failure((record.error ?? "delivery failed") + next)
        }
        print("Delivered \(entry.fileName) to \(to): \(record.remotePath) (\(Format.bytes(record.bytes)), \(Format.rate(record.throughput)), sha256 \(record.sha256 ?? "-")).")
    }
}

struct DeliveriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deliveries", abstract: "Recent delivery attempts, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this system.") var system: String?
    @Option(help: "How many rows.") var limit = 30
    @Flag(help: "JSON for scripts.") var json = false

    func validate() throws { try Arguments.checkLimit(limit) }

    func run() throws {
        let store = try global.openStore()
        try Output(json: json).emit(try store.deliveries(system: system, limit: limit), columns: [
            ("ID", { "\($0.id ?? 0)" }), ("STARTED", { Format.time($0.startedAt) }), ("SYSTEM", \.system),
            ("FILE", \.fileName), ("BYTES", { Format.bytes($0.bytes) }),
            ("TIME", { $0.durationMs.map { String(format: "%.1f s", Double($0) / 1000) } ?? "-" }),
            ("RATE", { Format.rate($0.throughput) }), ("OUTCOME", \.outcome.rawValue),
            ("ERROR", { $0.error.map { String($0.prefix(80)) } ?? "" }),
        ], empty: "No deliveries yet.")
    }
}

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Files waiting for delivery and their states.",
        subcommands: [List.self, Retry.self, DeliverDue.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List outbox entries, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("status"), help: "Only entries in this state: ready, delivering, delivered, error.") var status: OutboxState?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.outbox(states: status.map { [$0] }), columns: [
                ("ID", { "\($0.id ?? 0)" }), ("SYSTEM", \.system), ("FILE", \.fileName), ("BYTES", { Format.bytes($0.bytes) }),
                ("STATE", \.state.rawValue), ("ATTEMPTS", { "\($0.attempts)" }),
                ("NEXT", { $0.state == .ready ? Format.time($0.nextAttemptAt) : "-" }),
                ("LAST ERROR", { $0.lastError.map { String($0.prefix(80)) } ?? "" }),
            ], empty: "The outbox is empty.")
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put an entry in state error back to ready, after fixing its cause.",
            discussion: "An entry left `delivering` by a process that no longer exists (killed during its upload) is settled and made ready as well.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: Int64

        func run() throws {
            let store = try global.openStore()
            let entry: OutboxEntry
            switch try store.retry(outboxId: id, now: RuntimeClock.system.date, isAlive: ProcessOwner.isAlive) {
            case .retried(let e): entry = e
            case .notFound:
                throw Failure("There is no outbox entry \(id) (see `udtraek outbox list`).")
            case .notRetryable(let e) where e.state == .delivering:
                throw Failure("Outbox entry \(id) (\(e.fileName)) is being delivered by a running process (\(e.owner ?? "unknown")); wait for it to finish.")
            case .notRetryable(let e):
                throw Failure("Outbox entry \(id) (\(e.fileName)) is \(e.state.rawValue), not in error; only an entry in error is retried by hand.")
            }
            try store.audit(AuditEntry(at: RuntimeClock.system.date, actor: ProcessInfo.processInfo.environment["USER"] ?? "operator",
                                       action: "outbox.retry", subject: "outbox \(id)", detail: entry.fileName))
            print("Outbox entry \(id) (\(entry.fileName)) is ready again.")
        }
    }

    struct DeliverDue: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "deliver", abstract: "Deliver every due entry now, once.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this system.") var system: String?

        func run() throws {
            global.bootstrapLogging()
            let store = try global.openStore()
            if let system, try store.system(named: system) == nil {
                throw Failure("There is no system named '\(system.displaySafe(limit: 60))' (see `udtraek systems`).")
            }
            let service = DeliveryService(store: store, logger: Logger(label: "udtraek.deliver"))
            let records = service.deliverDue(system: system)
            let failed = records.filter { $0.outcome != .delivered }
            print("\(records.count - failed.count) delivered, \(failed.count) failed.")
            failed.forEach { print("  \($0.fileName) -> \($0.system): \($0.error ?? "")") }
            if !failed.isEmpty { throw ExitCode(1) }
        }
    }
}

extension OutboxState: ExpressibleByArgument {}
