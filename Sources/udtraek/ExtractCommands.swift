import ArgumentParser
import BusinessCalendar
import Delivery
import Extracts
import Foundation
import Logging
import Store
#if canImport(Glibc)
import Glibc
#endif

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract", abstract: "Run and list extract definitions.",
        subcommands: [Run.self, List.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce an extract now and deliver it.",
            discussion: """
            Refused (exit 2) unless an approved service agreement covers the extract's system, municipality and service. \
            The file is produced into STATE/outbox and queued; then delivered at once unless --no-deliver. Exits 1 when \
            production or delivery fails (a transient delivery failure stays queued for retry).
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The extract definition.") var name: String
        @Option(help: "Production date YYYY-MM-DD (default: today in Europe/Copenhagen).") var date: String?
        @Flag(help: "Only produce and queue; leave delivery to `udtraek serve` or `udtraek outbox deliver`.") var noDeliver = false
        @Flag(help: "Print the run as JSON.") var json = false

        func run() throws {
            global.bootstrapLogging()
            var productionDate: CivilDate?
            if let date {
                guard let d = CivilDate(iso: date) else { throw ValidationError("--date must be YYYY-MM-DD, got '\(date)'") }
                productionDate = d
            }
            let store = try Store(stateDirectory: global.stateDirectory)
            let lock = try StateLock(stateDirectory: global.stateDirectory, exclusive: false)
            defer { withExtendedLifetime(lock) {} }
            let runner = ExtractRunner(store: store, stateDirectory: global.stateDirectory)
            let meter = ProgressLine(enabled: !json && isatty(STDERR_FILENO) == 1)
            let run: ExtractRun
            do {
                run = try runner.run(name, date: productionDate, trigger: "manual",
                                     actor: ProcessInfo.processInfo.environment["USER"] ?? "operator",
                                     progress: meter.update)
            } catch let error as ExtractError {
                meter.clear()
                FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
                throw ExitCode(error.isRefusal ? 2 : 1)
            }
            meter.clear()
            var delivery: DeliveryRecord?
            if !noDeliver, let outbox = run.outboxId {
                delivery = try DeliveryService(store: store, logger: Logger(label: "udtraek.deliver")).deliverNow(outboxId: outbox)
            }
            if json {
                try Output(json: true).emit([run], columns: [], empty: "")
            } else {
                print("Produced \(run.fileName ?? "-") for \(run.productionDate): \(run.persons ?? 0) persons, \(run.records ?? 0) records, \(Format.bytes(run.textBytes ?? 0)) text, \(Format.bytes(run.fileBytes ?? 0)) file, sha256 \(run.sha256 ?? "-") (run \(run.id ?? 0), outbox \(run.outboxId ?? 0)).")
                if let delivery {
                    print(delivery.outcome == .delivered
                          ? "Delivered to \(delivery.system): \(delivery.remotePath) (\(Format.rate(delivery.throughput)))."
                          : "Delivery failed: \(delivery.error ?? "?"). See `udtraek outbox`.")
                }
            }
            if let delivery, delivery.outcome != .delivered { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The extract definitions.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try Store(stateDirectory: global.stateDirectory)
            try Output(json: json).emit(try store.configuration().extracts, columns: [
                ("NAME", \.name), ("SOURCE", \.source.rawValue), ("KIND", \.kind.rawValue), ("SYSTEM", \.system),
                ("MUNICIPALITY", \.municipality), ("GZIP", { $0.gzipLevel.map { "level \($0)" } ?? "off" }),
                ("FILE NAME", \.fileNameTemplate),
            ], empty: "No extracts. Add them to the configuration's extracts section and run `udtraek config apply`.")
        }
    }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Extract run history, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this extract.") var extract: String?
    @Option(help: "How many rows.") var limit = 30
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        let store = try Store(stateDirectory: global.stateDirectory)
        try Output(json: json).emit(try store.runs(extract: extract, limit: limit), columns: [
            ("ID", { "\($0.id ?? 0)" }), ("STARTED", { Format.time($0.startedAt) }), ("EXTRACT", \.extract),
            ("DATE", \.productionDate), ("WHY", \.trigger), ("STATE", \.state.rawValue),
            ("TIME", { r in r.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(r.startedAt)) } ?? "-" }),
            ("RECORDS", { $0.records.map(String.init) ?? "-" }), ("BYTES", { $0.fileBytes.map(Format.bytes) ?? "-" }),
            ("ERROR", { $0.error.map { String($0.prefix(90)) } ?? "" }),
        ], empty: "No runs yet.")
    }
}

/// A one-line progress display on a terminal (records, MB, rate, ETA); silent otherwise.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    private var last = ContinuousClock.now - .seconds(1)

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ExtractProgress) {
        guard enabled, ContinuousClock.now - last >= .milliseconds(250) else { return }
        last = ContinuousClock.now
        let seconds = max(0.001, Double(p.elapsed.components.seconds) + Double(p.elapsed.components.attoseconds) / 1e18)
        let mb = Double(p.textBytes) / 1e6
        var line = String(format: "%d records, %.1f MB text, %.1f MB/s", p.records, mb, mb / seconds)
        if let expected = p.expectedPersons, p.persons > 0, expected > p.persons {
            let eta = seconds * Double(expected - p.persons) / Double(p.persons)
            line += String(format: ", ETA %.0f s", eta)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
