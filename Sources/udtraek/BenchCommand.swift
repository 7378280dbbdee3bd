import ArgumentParser
import BusinessCalendar
import Extracts
import Foundation
import Runtime
import SourceStubs
#if canImport(Glibc)
import Glibc
#endif

/// Measurement hooks for `make bench-*`: the production path without the agreement and
/// outbox bookkeeping, so a national extract can be timed. Not for operators.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark hooks used by make bench-*.", shouldDisplay: false,
        subcommands: [Extract.self, BenchMonitor.self, GatewayBench.self, BenchSubscriptionSetup.self, BenchSubscriptionDay.self])

    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Produce one CPR status extract into a directory; print a JSON line.")
        @Option var persons = 1_000_000
        @Option(help: "A municipality code, or 'all' for the national extract.") var municipality = "all"
        @Option(help: "gzip level 1-9, or 0 for plain text.") var level = 6
        @Option var out: String
        @Option var date = "2026-11-20"

        func run() throws {
            guard let day = CivilDate(iso: date) else { throw ValidationError("bad --date") }
            let population = try CPRPopulation(seed: 20_261_123, size: persons)
            let request = CPRExtractRequest(kind: .status, date: day, municipality: municipality == "all" ? nil : municipality,
                                            taskNumber: 1, previousProductionDate: nil)
            let name = "D\(day.yymmdd).L000001.bench\(level == 0 ? "" : ".gz")"
            let started = RuntimeClock.system.now
            var summary = CPRExtractSummary(persons: 0, records: 0, bytes: 0)
            let file = try ExtractPipeline.write(directory: out, name: name, tag: 0, gzipLevel: level == 0 ? nil : level) { output in
                var sink = output
                summary = try CPRExtractWriter.write(population: population, request: request, into: &sink)
            }
            let elapsed = RuntimeClock.system.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var usage = rusage()
            getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
            print(#"{"path": "\#(file.path)", "persons": \#(summary.persons), "text_bytes": \#(file.textBytes), "file_bytes": \#(file.fileBytes), "seconds": \#(seconds), "max_rss_kib": \#(usage.ru_maxrss)}"#)
        }
    }
}
