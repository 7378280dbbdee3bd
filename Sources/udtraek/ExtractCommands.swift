import ArgumentParser
import BusinessCalendar
import Delivery
import Extracts
import Foundation
import Logging
import Runtime
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract", abstract: "Run and list extract definitions.",
        subcommands: [Run.self, List.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce an extract now and deliver it.",
            discussion: """
            Runs through the same queue as the scheduler and the API, so never beside another run of the same extract: \
            when one is in flight (in `udtraek serve` or another command), this request is queued behind it once (or \
            joins the run already queued) and the command says so; with --wait it waits, produces the queued run itself \
            if serve has not, and reports its outcome.

            A request for a date whose file is being produced joins that run; one whose file was already produced \
            queues nothing and says so, unless --rerun asks to produce it again (audited as extract.rerun).

            Exit status: 0 produced (or queued, joined or already produced, without --wait), 1 failed (production or delivery; a transient delivery \
            failure stays queued for retry), 2 refused (no approved agreement, invalid date), 124 --timeout passed.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The extract definition.") var name: String
        @Option(help: "Production date YYYY-MM-DD (default: today in Europe/Copenhagen).") var date: String?
        @Flag(help: "When a run is in flight, wait for this request's run to finish and exit with its outcome (for cron, Control-M, Airflow).")
        var wait = false
        @Option(help: "With --wait: give up after this many seconds (exit 124; the run stays queued).") var timeout: Double?
        @Flag(help: "Only produce and queue; leave delivery to `udtraek serve` or `udtraek outbox deliver`.") var noDeliver = false
        @Flag(help: "Print the run as JSON.") var json = false
        @Flag(help: "Produce the file again although a run for the same date is in flight or has produced it (audited; the receiver gets the same file name again).")
        var rerun = false

        func run() async throws {
            global.bootstrapLogging()
            var productionDate: CivilDate?
            if let date {
                guard let d = CivilDate(iso: date) else { throw ValidationError("--date must be YYYY-MM-DD, got '\(date)'") }
                productionDate = d
            }
            if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds") }
            let store = try global.openStore(creating: true)
            let lock = try StateLock(stateDirectory: global.stateDirectory, exclusive: false)
            defer { withExtendedLifetime(lock) {} }
            let runner = ExtractRunner(store: store, stateDirectory: global.stateDirectory)
            let actor = ProcessInfo.processInfo.environment["USER"] ?? "operator"
            let request: RunRequest
            do {
                request = try runner.request(name, date: productionDate, trigger: .manual, actor: actor, rerun: rerun)
            } catch let error as ExtractError {
                throw Failure(error.message)
            }
            var run = request.run
            if request.outcome == .alreadyProduced {
                note("The file of \(name) for \(run.productionDate) was already produced by run \(run.id ?? 0) at "
                     + "\(Format.time(run.finishedAt ?? run.requestedAt))\(run.fileName.map { " (\($0))" } ?? ""); nothing was queued. "
                     + "Use --rerun to produce it again.")
                if json { try Output(json: true).emit([run], columns: [], empty: "") }
                return
            }
            if request.outcome == .joined {
                note("Run \(run.id ?? 0) of \(name) for \(run.productionDate) is in flight (\(run.trigger.rawValue)); this request joins it.")
                guard wait else {
                    if json { try Output(json: true).emit([run], columns: [], empty: "") }
                    return
                }
            } else if request.outcome != .accepted {
                let ahead = request.inFlight.map { "run \($0.id ?? 0) (\($0.trigger.rawValue), started \(Format.time($0.startedAt ?? $0.requestedAt)))" } ?? "another run"
                let what = switch request.outcome {
                case .skipped: "this request was skipped (the schedule's overlap policy is skip)"
                case .coalesced: "run \(run.id ?? 0), already queued, will produce it"
                default: "this request is queued as run \(run.id ?? 0) and starts when it ends"
                }
                note("A run of \(name) is in flight: \(ahead); \(what).")
                guard wait else {
                    note(request.outcome == .skipped ? "" : "`udtraek serve` starts it, or wait for it with --wait.")
                    if json { try Output(json: true).emit([run], columns: [], empty: "") }
                    return
                }
                if request.outcome == .skipped, let inFlight = request.inFlight { run = inFlight }
            }
            let clock = RuntimeClock.system
            let blocking = BlockingExecutor.shared
            let meter = ProgressLine(enabled: !json && isatty(STDERR_FILENO) == 1, clock: clock)
            let deadline = timeout.map { clock.now.advanced(by: .clampedSeconds($0)) }
            var producedHere = false
            // Claim the run when it can start; if serve claims it first, wait for serve.
            while !run.state.isFinal {
                let id = run.id!
                if run.state == .queued, let claimed = try await blocking.run({ try runner.claim(id) }) {
                    producedHere = true
                    do {
                        run = try await blocking.run { try runner.execute(claimed, progress: meter.update) }
                    } catch let error as ExtractError {
                        meter.clear()
                        FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
                        throw ExitCode(error.isRefusal ? 2 : 1)
                    }
                    break
                }
                if let deadline, clock.now >= deadline {
                    FileHandle.standardError.write(Data("Timed out after \(Int(timeout ?? 0)) s; run \(run.id ?? 0) is \(run.state.rawValue).\n".utf8))
                    throw ExitCode(124)
                }
                try await clock.sleep(for: .milliseconds(500))
                guard let current = try await blocking.run({ try store.run(id: id) }) else {
                    throw Failure("run \(id) disappeared from the database")
                }
                run = current
            }
            meter.clear()
            if !producedHere {
                if json { try Output(json: true).emit([run], columns: [], empty: "") } else {
                    print("Run \(run.id ?? 0) of \(name) (produced by another process) is \(run.state.rawValue)"
                          + (run.error.map { ": \($0)" } ?? (run.fileName.map { ": \($0)" } ?? "")) + ".")
                }
                switch run.state {
                case .produced, .skipped: return
                case .refused: throw ExitCode(2)
                default: throw ExitCode(1)
                }
            }
            var delivery: DeliveryRecord?
            // Crash: produced and queued; this command's own delivery not started.
            CrashPoint.reach("extract.before-deliver")
            if !noDeliver, let outbox = run.outboxId {
                let service = DeliveryService(store: store, logger: Logger(label: "udtraek.deliver"), clock: clock)
                delivery = try await blocking.run { try service.deliverNow(outboxId: outbox) }
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

        private func note(_ text: String) {
            guard !text.isEmpty else { return }
            if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The extract definitions.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            try Output(json: json).emit(try store.configuration().extracts, columns: [
                ("NAME", \.name), ("SOURCE", \.source.rawValue), ("KIND", \.kind.rawValue), ("SYSTEM", \.system),
                ("MUNICIPALITY", \.municipality), ("GZIP", { $0.gzipLevel.map { "level \($0)" } ?? "off" }),
                ("FILE NAME", \.fileNameTemplate),
            ], empty: "No extracts. Add them to the configuration's extracts section and run `udtraek config apply`.")
        }
    }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Extract run history, newest first: when, why, how long, what came out.",
        subcommands: [List.self, Show.self, Cancel.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs, newest first: when, why, who, outcome, duration, records, bytes.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this extract.") var extract: String?
        @Option(help: "Only runs with this outcome (\(ExtractRunState.allCases.map(\.rawValue).joined(separator: ", "))).")
        var outcome: String?
        @Option(help: "How many rows.") var limit = 30
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            var stateFilter: ExtractRunState?
            if let outcome {
                guard let s = ExtractRunState(rawValue: outcome) else {
                    throw ValidationError("--outcome must be one of \(ExtractRunState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                stateFilter = s
            }
            let store = try global.openStore()
            if let extract, try store.extractDefinition(named: extract) == nil, try store.runs(extract: extract, limit: 1).isEmpty {
                throw Failure("there is no extract named '\(extract)'; see `udtraek extract list`")
            }
            try Output(json: json).emit(try store.runs(extract: extract, state: stateFilter, limit: limit), columns: [
                ("ID", { "\($0.id ?? 0)" }), ("WHEN", { Format.time($0.startedAt ?? $0.requestedAt) }), ("EXTRACT", \.extract),
                ("DATE", \.productionDate), ("WHY", \.trigger.rawValue), ("BY", \.requestedBy), ("OUTCOME", \.state.rawValue),
                ("TIME", { r in r.duration.map { String(format: "%.1f s", $0) } ?? "-" }),
                ("RECORDS", { $0.records.map(String.init) ?? "-" }), ("BYTES", { $0.fileBytes.map(Format.bytes) ?? "-" }),
                ("ERROR", { $0.error.map { String($0.prefix(90)) } ?? "" }),
            ], empty: "No runs yet.")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run with everything recorded about it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: Int64
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            guard let run = try store.run(id: id) else { throw Failure("there is no run \(id); see `udtraek runs`") }
            if json { return try Output(json: true).emit([run], columns: [], empty: "") }
            let rows: [(String, String?)] = [
                ("extract", run.extract), ("production date", run.productionDate), ("outcome", run.state.rawValue),
                ("why", run.trigger.rawValue), ("requested by", run.requestedBy), ("requested at", Format.time(run.requestedAt)),
                ("slot", run.slotAt.map(Format.time)), ("started", run.startedAt.map(Format.time)),
                ("finished", run.finishedAt.map(Format.time)), ("duration", run.duration.map { String(format: "%.1f s", $0) }),
                ("process", run.owner), ("persons", run.persons.map(String.init)), ("records", run.records.map(String.init)),
                ("text", run.textBytes.map(Format.bytes)), ("file", run.fileName),
                ("file size", run.fileBytes.map(Format.bytes)), ("sha256", run.sha256), ("outbox entry", run.outboxId.map(String.init)),
                ("error", run.error),
            ]
            for (label, value) in rows { if let value { print("\(label.padding(toLength: 16, withPad: " ", startingAt: 0)) \(value)") } }
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a queued run out of the queue before it starts (a running run stops only with its process).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run id.") var id: Int64
        @Option(help: "Why, for the audit log.") var reason = ""

        func run() throws {
            let store = try global.openStore()
            let actor = ProcessInfo.processInfo.environment["USER"] ?? "operator"
            guard let (run, cancelled) = try store.cancelRun(id: id, by: actor, reason: reason, now: RuntimeClock.system.date) else {
                throw Failure("there is no run \(id); see `udtraek runs`")
            }
            guard cancelled else {
                throw Failure("run \(id) of \(run.extract) is \(run.state.rawValue), not queued; only a queued run can be cancelled"
                              + (run.state == .running ? " (stop `udtraek serve` with SIGTERM to put a running run back in the queue first)" : ""))
            }
            print("Cancelled run \(id) of \(run.extract) for \(run.productionDate).")
        }
    }
}

/// A one-line progress display on a terminal (records, MB, rate, ETA), at most four times
/// a second; silent otherwise.
final class ProgressLine: Sendable {
    let enabled: Bool
    let clock: RuntimeClock
    private let last = Mutex<RuntimeClock.Instant?>(nil)

    init(enabled: Bool, clock: RuntimeClock) {
        self.enabled = enabled
        self.clock = clock
    }

    func update(_ p: ExtractProgress) {
        let now = clock.now
        let due = last.withLock { last in
            guard last.map({ $0.duration(to: now) >= .milliseconds(250) }) ?? true else { return false }
            last = now
            return true
        }
        guard enabled, due else { return }
        let seconds = max(0.001, p.elapsed.inSeconds)
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
