import ArgumentParser
import BusinessCalendar
import Extracts
import Foundation
import Logging
import Runtime
import SourceStubs
import Store
import UdtraekConfig
#if canImport(Glibc)
import Glibc
#endif

/// `make bench-subscription` (Benchmarks/bench-subscription.sh): one business day's CPR
/// subscription files for many systems over the national register, produced by the real
/// runner (agreement check, filters from the store, gzip, SHA-256, fsync, outbox commit),
/// in a process of its own so its peak memory is the production's alone.
struct BenchSubscriptionSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscription-setup",
        abstract: "A state directory with N subscribing systems, their agreements, definitions and PNR filters.")
    @Option var state: String
    @Option var persons = 6_000_000
    @Option var systems = 100
    @Option(help: "PNRs each system follows.") var pnrs = 10_000
    @Option(help: "How many of the systems also follow their whole municipality.") var municipalityFollowers = 10

    /// The municipalities the systems subscribe for, in turn: the large ones and a few small ones.
    static let municipalities = ["0101", "0751", "0461", "0851", "0147", "0561", "0621", "0657", "0420", "0825"]

    func run() throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        var yaml = """
            sources: { epoch: 2020-01-01, cpr: { seed: 20261123, persons: \(persons) }, kle: { seed: 3 } }
            municipalities:

            """
        for code in Self.municipalities {
            yaml += "  - { code: \"\(code)\", name: \"\(CPRMunicipalities.named(code)?.name ?? code)\" }\n"
        }
        yaml += "systems:\n"
        for i in 0..<systems {
            yaml += """
                  - name: abo-\(i)
                    inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }

                """
        }
        yaml += "agreements:\n"
        yaml += "  - { uuid: \(Self.uuid(9999)), system: abo-0, municipality: \"0101\", service: cpr-extract, state: approved }\n"
        for i in 0..<systems {
            let m = Self.municipalities[i % Self.municipalities.count]
            yaml += "  - { uuid: \(Self.uuid(i)), system: abo-\(i), municipality: \"\(m)\", service: cpr-subscription, state: approved }\n"
        }
        yaml += "extracts:\n"
        yaml += "  - { name: kbh-aendringer, source: cpr, kind: change, system: abo-0, municipality: \"0101\", task_number: 1 }\n"
        for i in 0..<systems {
            let m = Self.municipalities[i % Self.municipalities.count]
            yaml += "  - { name: abo-\(i), source: cpr, kind: subscription, system: abo-\(i), municipality: \"\(m)\", task_number: \(100 + i) }\n"
        }
        let path = (state as NSString).appendingPathComponent("udtraek.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let store = try Store(stateDirectory: state)
        try ConfigurationFile.load(path: path, environment: [:]).apply(to: store, actor: "bench")
        // PNRs drawn across the register with a fixed generator, as followed persons are:
        // most live elsewhere than the agreement's municipality, and appear when in scope.
        let population = try CPRPopulation(seed: 20_261_123, size: persons)
        var generator = SplitMix(seed: 42)
        for i in 0..<systems {
            var wanted = Set<String>()
            while wanted.count < pnrs {
                if let pnr = population.pnr(ofIndex: Int(generator.next() % UInt64(population.slotCount))) { wanted.insert(pnr) }
            }
            let actor = SubscriptionActor(name: "bench", detail: "")
            _ = try store.reconcileSubscriptionPNRs(agreement: Self.uuid(i), system: "abo-\(i)", wanted: wanted, at: Date(), actor: actor)
            if i < municipalityFollowers {
                _ = try store.addSubscriptionFilter(agreement: Self.uuid(i), system: "abo-\(i)", kind: .municipality,
                                                    value: Self.municipalities[i % Self.municipalities.count], at: Date(), actor: actor)
            }
        }
        print(#"{"systems": \#(systems), "pnrs_per_system": \#(pnrs), "municipality_followers": \#(municipalityFollowers)}"#)
    }

    static func uuid(_ i: Int) -> String {
        let tail = String(i)
        return "5b0c1d2e-3f40-4a51-8b62-" + String(repeating: "0", count: max(0, 12 - tail.count)) + tail
    }
}

struct BenchSubscriptionDay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscription-day",
        abstract: "Produce one business day's subscription files for every subscription definition; print a JSON line.")
    @Option var state: String
    @Option(help: "The business day (default: the last one before today).") var date: String?

    func run() throws {
        let store = try Store(stateDirectory: state)
        var logger = Logger(label: "udtraek.extract")
        logger.logLevel = .warning
        let runner = ExtractRunner(store: store, stateDirectory: state, logger: logger)
        let day = try date.map { d in
            guard let c = CivilDate(iso: d) else { throw ValidationError("--date must be YYYY-MM-DD") }
            return c
        } ?? DanishHolidays().previousBusinessDay(before: runner.today)
        let names = try store.configuration().extracts.filter { $0.kind == .subscription }.map(\.name)
        let clock = RuntimeClock.system
        let started = clock.now
        var persons: Int64 = 0, bytes: Int64 = 0
        for name in names {
            let run = try runner.run(name, date: day, actor: "bench", rerun: true)
            persons += run.persons ?? 0
            bytes += run.fileBytes ?? 0
        }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        print(#"{"date": "\#(day)", "files": \#(names.count), "persons": \#(persons), "file_bytes": \#(bytes), "seconds": \#(seconds), "max_rss_kib": \#(usage.ru_maxrss)}"#)
    }
}

/// A small deterministic generator (SplitMix64) for the benchmark's choices.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
