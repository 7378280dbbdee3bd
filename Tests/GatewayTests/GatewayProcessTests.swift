#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Store
import Testing
import UdtraekTesting

/// The gateway inside a real `udtraek serve` process of its own, so its memory can be
/// measured without the noise of the other suites sharing the test process: streaming
/// a population many times larger than any buffer must not grow the server.
@Suite(.serialized) struct GatewayProcessTests {
    /// `VmRSS` or `VmHWM` of a process, in bytes.
    static func memory(_ field: String, of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// Resets the process's peak resident size (`VmHWM`) to its current size.
    static func resetPeak(of pid: pid_t) throws {
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    @Test func streamingThePopulationKeepsTheServersMemoryFlat() async throws {
        let (certs, fingerprint) = try await GatewayFixture.pki()
        let dir = NSTemporaryDirectory() + "udtraek-gateway-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try LocalSSHD.freePort(), apiPort = try LocalSSHD.freePort()
        let tokenFile = dir + "/token"
        try "process-test-token-0123456789".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        // The admin listener too, for serve's Prometheus /metrics.
        let api = "\napi:\n  listen: 127.0.0.1:\(apiPort)\n  tokens: [{ name: test, file: \(tokenFile) }]\n"
        // `config apply` checks the key files (issue 11): a real one, never used here.
        #expect(try await UdtraekCLI.runDetached(["keys", "generate", "sag-kbh", "--out", dir + "/key"]).status == 0)
        try (GatewayFixture.config(certs: certs, fingerprint: fingerprint,
                                   persons: 250_000, cap: 8, grace: 30, port: port) + api)
            .replacingOccurrences(of: "/nonexistent", with: dir + "/key")
            .write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let state = ["--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        #expect(try await UdtraekCLI.runDetached(["config", "apply"] + state).status == 0)
        let serve = try UdtraekCLI.start(["serve", "--poll", "3600"] + state, logPath: dir + "/serve.log")
        defer { serve.stop(signal: SIGKILL) }
        let log = { (try? String(contentsOfFile: dir + "/serve.log", encoding: .utf8)) ?? "" }

        let population = GatewayFixture.context(agreement: GatewayFixture.populationAgreement,
                                                service: ServiceCatalog.service(key: "cpr-population")!.uuid)
        func get(_ path: String, headers: [String: String]? = nil, extra: [String] = [],
                 bodyFile: String? = nil) async throws -> GatewayFixture.Answer {
            let headers = headers ?? population
            return try await testClients.run {
                try GatewayFixture.curl(port: port, certs: certs, scratch: dir, path, cert: "sag-kbh",
                                        headers: headers, extra: extra, bodyFile: bodyFile)
            }
        }
        // Up, and warmed: a first small call loads what every call needs.
        let up = await eventually { (try? await get("/cpr/population?format=xml"))?.status == 400 }
        try #require(up, "serve's gateway did not answer: \(log())")
        // The KLE plan in force is built at start, in the background; wait for it (a KLE
        // call waits for that build, and may pass its 1 s target meanwhile: then ask again),
        // so its memory is not taken for the stream's.
        let kleContext = GatewayFixture.context(agreement: GatewayFixture.kleAgreement, service: ServiceCatalog.service(key: "kle-lookup")!.uuid)
        let kleReady = await eventually { (try? await get("/kle/nodes/00", headers: kleContext))?.status == 200 }
        try #require(kleReady, "the KLE plan was not ready: \(log().suffix(2000))")

        for (name, query, extra) in [("cpr", "format=cpr", [String]()), ("cpr gzip", "format=cpr", ["--compressed"]),
                                     ("ndjson", "format=ndjson", [])] {
            let before = Self.memory("VmRSS", of: serve.pid)
            try Self.resetPeak(of: serve.pid)
            let file = dir + "/body"
            let answer = try await get("/cpr/population?\(query)", extra: extra, bodyFile: file)
            let peak = Self.memory("VmHWM", of: serve.pid)
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            #expect(answer.status == 200, "\(name): \(log().suffix(2000))")
            #expect(size > 15_000_000, "\(name): the response must dwarf any buffer; it was \(size) bytes")
            // A response assembled in memory would show as a step of at least its own size.
            let growth = peak - before
            #expect(growth < 24 << 20, "\(name): serve's resident memory peaked \(growth >> 20) MB above its \(before >> 20) MB while streaming \(size >> 20) MB")
        }

        // Every call is counted and timed per service and operation in serve's metrics.
        let metrics = try run("/usr/bin/curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(apiPort)/metrics"]).output
        #expect(metrics.contains("gateway_calls_total{service=\"cpr-population\"} 4"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("gateway_call_duration_seconds_count{operation=\"cpr.population\"} 4"), "\(metrics.prefix(3000))")

        serve.stop(signal: SIGTERM)
    }
}
