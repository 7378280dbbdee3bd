import BusinessCalendar
import UdtraekConfig
import Foundation
import Gateway
import Hummingbird
import Logging
import Store
import Synchronization

/// Runs a command to completion and returns its exit status and standard output.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdout: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    if let stdout {
        FileManager.default.createFile(atPath: stdout, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: stdout)
    } else {
        p.standardOutput = pipe
    }
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = stdout == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A clock a test moves: every reading advances it by `step`, so any call appears to
/// take as long as the test wants, whatever the machine's speed.
final class SteppingClock: GatewayClock {
    let now = Atomic<UInt64>(1_000_000_000)
    let step: UInt64
    init(step: Duration) { self.step = UInt64(step.components.seconds) * 1_000_000_000 + UInt64(step.components.attoseconds / 1_000_000_000) }
    func nanoseconds() -> UInt64 { now.add(step, ordering: .relaxed).newValue }
}

/// A gateway on 127.0.0.1 (random port, real TLS with client certificates from a CA the
/// fixture makes), over a fresh state database configured from YAML: two systems
/// (sag-kbh identified by subject, esdh-aarhus by fingerprint), København and Aarhus,
/// and agreements in every state.
final class GatewayFixture: @unchecked Sendable {
    static let kbhUUID = "1f0a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    static let aarhusUUID = "2a1b3c4d-5e6f-4071-8b9c-0d1e2f3a4b5c"
    static let sagSystem = "240164c6-3999-4b65-b20d-8a3c7f4a25d3"
    static let esdhSystem = "f9c06e0a-94f8-483d-b1ed-704ec69ffb1c"
    static let cprAgreement = "bd71a7fa-222d-4f84-9142-2a011a710026"
    static let pendingAgreement = "659fc821-435a-40d1-9077-10b54714a190"
    static let terminatedAgreement = "c858e26c-9ed1-4ee6-bcb7-cf50706a1a40"
    static let populationAgreement = "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7"
    static let kleAgreement = "4f5a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b7c8"
    static let esdhCPRAgreement = "5a6b7c8d-9e0f-4a1b-82c3-d4e5f6a7b8c9"
    static let esdhKLEPlanAgreement = "6b7c8d9e-0f1a-4b2c-93d4-e5f6a7b8c9d0"
    static let today = CivilDate(year: 2026, month: 11, day: 23)!

    let directory: String
    let certs: String
    let store: Store
    let server: GatewayServer
    let port: Int
    let task: Task<Void, any Error>
    /// The configuration applied at the start; tests change it and `apply` it again.
    let configText: String

    static func config(certs: String, fingerprint: String, persons: Int, cap: Int, grace: Double, port: Int = 0) -> String {
        """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: \(persons) }, kle: { seed: 3 } }
        municipalities:
          - { code: "0101", name: København, uuid: \(kbhUUID) }
          - { code: "0751", name: Aarhus, uuid: \(aarhusUUID) }
        systems:
          - name: sag-kbh
            uuid: \(sagSystem)
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            certificate: { subject: "CN=sag-kbh, O=udtraek demo" }
          - name: esdh-aarhus
            uuid: \(esdhSystem)
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            certificate: { fingerprint: "\(fingerprint)" }
        agreements:
          - { uuid: \(cprAgreement), system: sag-kbh, municipality: "0101", service: cpr-lookup, state: approved }
          - { uuid: \(populationAgreement), system: sag-kbh, municipality: "0101", service: cpr-population, state: approved }
          - { uuid: \(kleAgreement), system: sag-kbh, municipality: "0101", service: kle-lookup, state: approved }
          - { uuid: \(pendingAgreement), system: sag-kbh, municipality: "0751", service: cpr-lookup, state: pending }
          - { uuid: \(terminatedAgreement), system: sag-kbh, municipality: "0101", service: kle-plan, state: terminated }
          - { uuid: \(esdhCPRAgreement), system: esdh-aarhus, municipality: "0751", service: cpr-lookup, state: approved }
          - { uuid: \(esdhKLEPlanAgreement), system: esdh-aarhus, municipality: "0751", service: kle-plan, state: approved }
        gateway:
          listen: { host: 127.0.0.1, port: \(port) }
          tls: { certificate: \(certs)/server.pem, private_key: \(certs)/server.key, client_ca: \(certs)/ca.pem }
          max_concurrent_calls_per_system: \(cap)
          slow_client_grace_seconds: \(grace)
        """
    }

    /// Made once per test process: tests run in parallel and would race on the files.
    static let sharedCertificates = Result { try certificates() }

    static func certificates() throws -> String {
        let dir = NSTemporaryDirectory() + "udtraek-gateway-certs-\(getpid())"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/make-gateway-certs.sh").path
        let (status, _) = try run("/bin/bash", [script, dir])
        guard status == 0 else { throw GatewayError("making test certificates", "openssl failed (\(status))") }
        return dir
    }

    /// The fingerprint of esdh-aarhus's certificate, as the configuration names it.
    static func esdhFingerprint(certs: String) throws -> String {
        try run("/usr/bin/openssl", ["x509", "-in", "\(certs)/esdh-aarhus.pem", "-noout", "-fingerprint", "-sha256"])
            .output.split(separator: "=").last.map { "sha256:" + $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    init(persons: Int = 20_000, cap: Int = 64, grace: Double = 5, targets: ServiceTargets = ServiceTargets(),
         clock: any GatewayClock = SystemGatewayClock(), directoryRefresh: Duration = .seconds(5)) async throws {
        certs = try Self.sharedCertificates.get()
        directory = NSTemporaryDirectory() + "udtraek-gateway-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        configText = Self.config(certs: certs, fingerprint: try Self.esdhFingerprint(certs: certs), persons: persons, cap: cap, grace: grace)
        store = try Store(stateDirectory: directory)
        try Self.apply(configText, to: store, in: directory)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        server = try GatewayServer(store: store, logger: logger, targets: targets, clock: clock, today: { GatewayFixture.today },
                                   directoryRefresh: directoryRefresh)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = try server.makeApplication(onServerRunning: { port in continuation.yield(port) })
        task = Task { try await app.runService() }
        var bound = 0
        for await p in stream { bound = p; break }
        port = bound
    }

    /// Applies `yaml` to the fixture's store, as `udtraek config apply` would while the gateway runs.
    func apply(_ yaml: String) throws { try Self.apply(yaml, to: store, in: directory) }

    static func apply(_ yaml: String, to store: Store, in directory: String) throws {
        let path = directory + "/udtraek-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try ConfigurationFile.load(path: path).apply(to: store, actor: "test")
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        server.auditor.flush()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Context headers of a valid sag-kbh call for København's CPR lookup, to modify per test.
    static func context(agreement: String = cprAgreement, system: String = sagSystem, municipality: String = kbhUUID,
                        service: String = ServiceCatalog.service(key: "cpr-lookup")!.uuid) -> [String: String] {
        ["ServiceAgreementUUID": agreement, "UserSystemUUID": system, "UserUUID": municipality, "ServiceUUID": service]
    }

    struct Answer {
        var status: Int
        var body: String
        var exit: Int32
        var headers: String
    }

    /// GET with curl (client certificate `cert`, or none), returning status and body. Waits
    /// on a thread of its own: blocking Swift's cooperative pool (two threads on two cores)
    /// would starve the server under test, which runs on the same pool.
    func get(_ path: String, cert: String? = "sag-kbh", headers: [String: String], extra: [String] = [],
             bodyFile: String? = nil) async throws -> Answer {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try self.getBlocking(path, cert: cert, headers: headers, extra: extra, bodyFile: bodyFile) }) }.start()
        }
    }

    func getBlocking(_ path: String, cert: String?, headers: [String: String], extra: [String],
                     bodyFile: String?) throws -> Answer {
        try Self.curl(port: port, certs: certs, scratch: directory, path, cert: cert, headers: headers, extra: extra, bodyFile: bodyFile)
    }

    /// One GET with curl against the gateway on `port` over TLS, with the client
    /// certificate `cert` from `certs` (or none); header and body files go to `scratch`.
    static func curl(port: Int, certs: String, scratch: String, _ path: String, cert: String?, headers: [String: String],
                     extra: [String] = [], bodyFile: String? = nil) throws -> Answer {
        let out = bodyFile ?? scratch + "/body-\(UUID().uuidString)"
        let headerFile = scratch + "/headers-\(UUID().uuidString)"
        var args = ["-s", "-o", out, "-D", headerFile, "-w", "%{http_code}", "--cacert", "\(certs)/ca.pem", "--max-time", "60"]
        if let cert {
            let authority = cert == "rogue" ? "rogue" : cert
            args += ["--cert", "\(certs)/\(authority).pem", "--key", "\(certs)/\(authority).key"]
        }
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(k): \(v)"] }
        args += extra
        args.append("https://127.0.0.1:\(port)\(path)")
        let (exit, code) = try run("/usr/bin/curl", args)
        let body = bodyFile == nil ? ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") : ""
        let hdrs = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        if bodyFile == nil { try? FileManager.default.removeItem(atPath: out) }
        return Answer(status: Int(code) ?? 0, body: body, exit: exit, headers: hdrs)
    }

    func auditRows() throws -> [GatewayCall] {
        server.auditor.flush()
        return try store.gatewayCalls(limit: 10_000)
    }
}


enum BusinessCalendarEpoch {
    static let epoch = CivilDate(year: 2020, month: 1, day: 1)!
}
