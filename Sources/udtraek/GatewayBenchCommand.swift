import ArgumentParser
import UdtraekConfig
import Foundation
import Gateway
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Store

/// `udtraek bench gateway`: starts the gateway and a bare Hummingbird endpoint with the
/// same mTLS setup in this process, drives each with keep-alive connections from a small
/// NIO client for a fixed time, and prints calls/s, latency percentiles, errors, the ratio,
/// and the large response's MB/s. Loopback only; for `make bench-gateway`.
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway", abstract: "Load-test the lookup gateway against a bare Hummingbird baseline.")

    @Option(help: "Seconds per run.") var seconds: Int = 30
    @Option(help: "Concurrent keep-alive connections.") var connections: Int = 32
    @Option(help: "Synthetic CPR population size.") var persons: Int = 100_000
    @Option(help: "Folder with the PKI made by Config/make-gateway-certs.sh.") var certs: String = "Config/gateway"

    func run() async throws {
        try await GatewayLoad(seconds: seconds, connections: connections, persons: persons, certs: certs).run()
    }
}

struct GatewayLoad {
    let seconds: Int
    let connections: Int
    let persons: Int
    let certs: String

    func run() async throws {
        let certs = URL(fileURLWithPath: self.certs).standardizedFileURL.path
        let dir = NSTemporaryDirectory() + "udtraek-bench-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let kbh = "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", system = "240164c6-3999-4b65-b20d-8a3c7f4a25d3"
        let agreement = "bd71a7fa-222d-4f84-9142-2a011a710026", population = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
        let klePlan = "4f5a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b7c8"
        let config = """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: \(persons) }, kle: { seed: 3 } }
        municipalities: [ { code: "0101", name: København, uuid: \(kbh) } ]
        systems:
          - name: sag-kbh
            uuid: \(system)
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            certificate: { subject: "CN=sag-kbh,O=udtraek demo" }
        agreements:
          - { uuid: \(agreement), system: sag-kbh, municipality: "0101", service: cpr-lookup, state: approved }
          - { uuid: \(population), system: sag-kbh, municipality: "0101", service: cpr-population, state: approved }
          - { uuid: \(klePlan), system: sag-kbh, municipality: "0101", service: kle-plan, state: approved }
        gateway:
          listen: { host: 127.0.0.1, port: 0 }
          tls: { certificate: \(certs)/server.pem, private_key: \(certs)/server.key, client_ca: \(certs)/ca.pem }
          max_concurrent_calls_per_system: 100000
        """
        try config.write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let store = try Store(stateDirectory: dir)
        try ConfigurationFile.load(path: dir + "/udtraek.yaml").apply(to: store, actor: "bench")
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let server = try GatewayServer(store: store, logger: logger)

        // PNRs of København residents to look up, round robin.
        let pop = try SourceStubsAccess.population(seed: 7, persons: persons)
        let pnrs = SourceStubsAccess.residents(pop, municipality: "0101", count: 1000, on: server.day.today())

        let (portStream, portCont) = AsyncStream<Int>.makeStream()
        let (basePortStream, basePortCont) = AsyncStream<Int>.makeStream()
        let app = try server.makeApplication(onServerRunning: { portCont.yield($0) })
        let baseline = try server.makeBaselineApplication(onServerRunning: { basePortCont.yield($0) })
        let appTask = Task { try await app.runService() }
        let baseTask = Task { try await baseline.runService() }
        defer { appTask.cancel(); baseTask.cancel() }
        var port = 0, basePort = 0
        for await p in portStream { port = p; break }
        for await p in basePortStream { basePort = p; break }

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certs + "/sag-kbh.pem").map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: certs + "/sag-kbh.key", format: .pem))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certs + "/ca.pem"))
        let context = try NIOSSLContext(configuration: tls)
        var headers = HTTPHeaders([("Host", "localhost"), ("ServiceAgreementUUID", agreement), ("UserSystemUUID", system),
                                   ("UserUUID", kbh), ("ServiceUUID", ServiceCatalog.service(key: "cpr-lookup")!.uuid)])

        // The three endpoints take turns in rounds of 5 s, so a neighbour's load on this shared
        // machine falls on all of them alike; each ratio is the median of the rounds' ratios.
        let rounds = max(1, seconds / 5), roundSeconds = max(1, min(5, seconds))
        print("gateway benchmark: \(connections) keep-alive mTLS connections, \(rounds) rounds of \(roundSeconds) s per endpoint, taking turns; \(ProcessInfo.processInfo.activeProcessorCount) cores (client and servers share them)")
        // The gateway's average response size, for the baseline of the same shape.
        let probe = try await LoadRun.run(port: port, context: context, connections: 1, seconds: 1,
                                          headers: headers, paths: pnrs.map { "/cpr/persons/\($0)" })
        let size = probe.bytes / max(1, probe.latencies.count)
        var base = LoadRun(), ours = LoadRun(), shaped = LoadRun()
        var ratios: [Double] = [], shapedRatios: [Double] = []
        for _ in 0..<rounds {
            let b = try await LoadRun.run(port: basePort, context: context, connections: connections, seconds: roundSeconds,
                                          headers: HTTPHeaders([("Host", "localhost")]), paths: ["/constant"])
            let g = try await LoadRun.run(port: port, context: context, connections: connections, seconds: roundSeconds,
                                          headers: headers, paths: pnrs.map { "/cpr/persons/\($0)" })
            // The same request headers and a body of the gateway's size, answered without any
            // of the gateway's work: what remains of the gap to it is that work.
            let s = try await LoadRun.run(port: basePort, context: context, connections: connections, seconds: roundSeconds,
                                          headers: headers, paths: ["/constant/\(size)"])
            ratios.append(g.rate / max(b.rate, 1))
            shapedRatios.append(g.rate / max(s.rate, 1))
            base.add(b); ours.add(g); shaped.add(s)
        }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        print(base.line("bare Hummingbird /constant"))
        print(ours.line("gateway /cpr/persons/{pnr}"))
        print(shaped.line("bare, same headers, \(size) B"))
        let ratio = median(ratios)
        print(String(format: "ratio gateway/bare: %.2f (median of %d rounds: %@)", ratio, rounds,
                     ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        print(String(format: "ratio gateway/bare of the same shape: %.2f (median of %d rounds)", median(shapedRatios), rounds))

        // Searches (medium class, 1.5 s): each asked five times on one connection, after one
        // warm-up call that may build the register's search table (timed and shown apart).
        let searches = ["/cpr/persons?name=Karla&pageSize=5", "/cpr/persons?road=a&pageSize=5&page=2",
                        "/cpr/persons?name=Zzzzqx&pageSize=5", "/cpr/persons?name=Anne%20Hansen&pageSize=20",
                        "/cpr/persons?name=sen&road=vej&pageSize=100&page=3"]
        let warm = try await LoadRun.run(port: port, context: context, connections: 1, seconds: 0, headers: headers,
                                         paths: [searches[0]], once: true)
        print(String(format: "search warm-up (first search of the day): %.0f ms%@", warm.percentile(0.5),
                     warm.errors > 0 ? " (answered with an error)" : ""))
        var searchResults: [(String, LoadRun)] = []
        for path in searches {
            var r = LoadRun()
            for _ in 0..<5 {
                r.add(try await LoadRun.run(port: port, context: context, connections: 1, seconds: 0, headers: headers,
                                            paths: [path], once: true))
            }
            searchResults.append((path, r))
            print(String(format: "search %-52@ p50 %7.1f ms  max %7.1f ms  errors %d", path as NSString, r.percentile(0.5),
                         Double(r.latencies.max() ?? 0) / 1e6, r.errors))
        }

        // Large responses, each streamed three times on one connection: MB/s over all three.
        var large: [(String, Double)] = []
        headers.replaceOrAdd(name: "ServiceAgreementUUID", value: population)
        headers.replaceOrAdd(name: "ServiceUUID", value: ServiceCatalog.service(key: "cpr-population")!.uuid)
        var kleHeaders = headers
        kleHeaders.replaceOrAdd(name: "ServiceAgreementUUID", value: klePlan)
        kleHeaders.replaceOrAdd(name: "ServiceUUID", value: ServiceCatalog.service(key: "kle-plan")!.uuid)
        for (label, path, h) in [("/cpr/population?format=cpr", "/cpr/population?format=cpr", headers),
                                 ("/cpr/population?format=ndjson", "/cpr/population?format=ndjson", headers),
                                 ("/kle/plan", "/kle/plan", kleHeaders)] {
            var bytes = 0, seconds = 0.0, errors = 0
            for _ in 0..<3 {
                let r = try await LoadRun.run(port: port, context: context, connections: 1, seconds: 0,
                                              headers: h, paths: [path], once: true)
                bytes += r.bytes
                seconds += r.elapsed
                errors += r.errors
            }
            let rate = Double(bytes) / 1e6 / seconds
            large.append((label, rate))
            print(String(format: "large %@: %.1f MB x 3 in %.2f s = %.1f MB/s%@", label, Double(bytes) / 3e6, seconds, rate,
                         errors > 0 ? " (\(errors) errors)" : ""))
        }

        // The issue's targets, judged on this run.
        func verdict(_ ok: Bool) -> String { ok ? "met" : "NOT met" }
        print("targets:")
        print(String(format: "  >= 10,000 calls/s: %.0f, %@", ours.rate, verdict(ours.rate >= 10_000)))
        print(String(format: "  p99 < 10 ms: %.2f ms, %@", ours.percentile(0.99), verdict(ours.percentile(0.99) < 10)))
        print(String(format: "  >= half the bare baseline: %.2f, %@", ratio, verdict(ratio >= 0.5)))
        print(String(format: "  errors: %d, %@", ours.errors, verdict(ours.errors == 0)))
        print(String(format: "  lookups in their class (simple, 1.0 s): max %.1f ms, %@", Double(ours.latencies.max() ?? 0) / 1e6,
                     verdict((ours.latencies.max() ?? 0) < 1_000_000_000)))
        for (path, r) in searchResults {
            let max = Double(r.latencies.max() ?? 0) / 1e6
            print(String(format: "  search in its class (medium, 1.5 s): %@ max %.1f ms, %@", path, max,
                         verdict(max < 1500 && r.errors == 0)))
        }
        for (label, rate) in large {
            print(String(format: "  %@ >= 100 MB/s: %.1f MB/s, %@", label, rate, verdict(rate >= 100)))
        }
        server.auditor.flush()
    }
}

/// Test-data helpers kept out of the command's body.
import SourceStubs
import BusinessCalendar
enum SourceStubsAccess {
    static func population(seed: UInt64, persons: Int) throws -> CPRPopulation {
        try CPRPopulation(seed: seed, size: persons, epoch: CivilDate(year: 2020, month: 1, day: 1) ?? CPRPopulation.epochs.lowerBound)
    }

    static func residents(_ p: CPRPopulation, municipality: String, count: Int, on date: CivilDate) -> [String] {
        var out: [String] = []
        for i in 0..<p.slotCount where out.count < count {
            if let person = p.person(index: i, on: date), person.address.municipalityCode == municipality { out.append(person.pnr) }
        }
        return out
    }
}
