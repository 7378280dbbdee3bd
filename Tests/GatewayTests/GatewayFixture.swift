import BusinessCalendar
import UdtraekConfig
import Foundation
import Gateway
import Hummingbird
import Logging
import Runtime
import ServiceLifecycle
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

/// Where the tests' clients (curl processes) wait: blocking them on Swift's cooperative
/// pool (two threads on two cores) would starve the server under test, which runs there.
let testClients = BlockingExecutor(threads: 16)

/// A flag one task sets and another reads.
final class Flag: Sendable {
    let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// Polls `condition` until it holds or `timeout` of real time has passed (a bound that only
/// matters when the test is failing anyway); returns whether it held.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let end = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= end { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
}

/// A time source that moves a manual clock on by `step` at every reading, so any piece of
/// work appears to take as long as the test wants however fast or busy the machine is.
/// Tests of a limit on work that runs inline in microseconds (a person lookup) use it:
/// there is no moment between the call's start and its answer at which the test itself
/// could advance the clock.
final class SteppingSource: TimeSource {
    let manual: ManualClock
    let step: Duration

    init(_ manual: ManualClock, step: Duration) {
        self.manual = manual
        self.step = step
    }

    var now: RuntimeClock.Instant {
        manual.advance(by: step)
        return manual.now
    }

    var date: Date { manual.date }
    func sleep(until deadline: RuntimeClock.Instant) async throws { try await manual.sleep(until: deadline) }
}

/// An executor whose threads the test holds, so work sent to it waits in its queue until
/// the test lets go: how a test shows that an answer is owed at its deadline even when
/// the executor cannot get to the work.
final class StalledExecutor: Sendable {
    let executor = BlockingExecutor(threads: 2)
    let holding = Atomic<Int>(0)
    let gate = DispatchSemaphore(value: 0)

    /// Takes every thread; returns once they are all taken.
    func stall() async {
        for _ in 0..<executor.threadCount {
            Task { try? await executor.run { self.hold() } }
        }
        _ = await eventually { holding.load(ordering: .relaxed) == executor.threadCount }
    }

    private func hold() {
        holding.add(1, ordering: .relaxed)
        gate.wait()
    }

    func release() {
        for _ in 0..<executor.threadCount { gate.signal() }
    }
}

/// A gateway on 127.0.0.1 (random port, real TLS with client certificates from a CA the
/// fixture makes), over a fresh state database configured from YAML: two systems
/// (sag-kbh identified by subject, esdh-aarhus by fingerprint), København and Aarhus,
/// and agreements in every state.
///
/// Its clock is a manual clock that no one advances unless the test does: no answer can
/// become a 504 because the machine is busy, and the housekeeping (audit flushes,
/// directory reloads) happens when the test moves time or asks for it.
final class GatewayFixture: Sendable {
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
    static let subscriptionAgreement = "7c8d9e0f-1a2b-4c3d-a4e5-f6a7b8c9d0e1"
    static let today = CivilDate(year: 2026, month: 11, day: 23)!
    /// Noon in Copenhagen on `today`: the manual clock's start.
    static let noon = Date(timeIntervalSince1970: 1_795_431_600)  // 2026-11-23T11:00:00Z
    /// The housekeeping services that sleep on the clock: audit, directory, KLE plan, CPR search table.
    static let housekeepers = 4

    let directory: String
    let certs: String
    let store: Store
    let server: GatewayServer
    let manual: ManualClock
    let port: Int
    let group: ServiceGroup
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
          - { uuid: \(subscriptionAgreement), system: sag-kbh, municipality: "0101", service: cpr-subscription, state: approved }
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

    /// The test PKI's directory and esdh-aarhus's fingerprint, made (openssl) on the clients'
    /// executor: the first caller waits for the files, and must not hold a cooperative thread.
    static func pki() async throws -> (certs: String, esdhFingerprint: String) {
        try await testClients.run {
            let certs = try sharedCertificates.get()
            return (certs, try esdhFingerprint(certs: certs))
        }
    }

    /// The fingerprint of esdh-aarhus's certificate, as the configuration names it.
    static func esdhFingerprint(certs: String) throws -> String {
        try run("/usr/bin/openssl", ["x509", "-in", "\(certs)/esdh-aarhus.pem", "-noout", "-fingerprint", "-sha256"])
            .output.split(separator: "=").last.map { "sha256:" + $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }

    /// Runs `body` with a gateway that is stopped, and its files removed, before this returns.
    /// - Parameters:
    ///   - step: every reading of the clock moves it on by this much (a `SteppingSource`);
    ///     nil: time moves only when the test advances `manual`.
    ///   - executor: where the gateway's blocking work runs.
    static func with<T>(persons: Int = 20_000, cap: Int = 64, grace: Double = 5, targets: ServiceTargets = ServiceTargets(),
                        step: Duration? = nil, executor: BlockingExecutor = .shared, alarms: (any BreachAlarmSink)? = nil,
                        _ body: (GatewayFixture) async throws -> T) async throws -> T {
        let f = try await GatewayFixture(persons: persons, cap: cap, grace: grace, targets: targets, step: step,
                                         executor: executor, alarms: alarms)
        do {
            let result = try await body(f)
            await f.stop()
            return result
        } catch {
            await f.stop()
            throw error
        }
    }

    private init(persons: Int, cap: Int, grace: Double, targets: ServiceTargets, step: Duration?,
                 executor: BlockingExecutor, alarms: (any BreachAlarmSink)?) async throws {
        let directory = NSTemporaryDirectory() + "udtraek-gateway-\(UUID().uuidString)"
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        let manual = ManualClock(start: Self.noon)
        let clock = step.map { RuntimeClock(SteppingSource(manual, step: $0)) } ?? manual.clock
        // The certificates (openssl), the configuration (YAML, SQLite) and the server's first
        // read of it block: on the clients' executor, never on the cooperative pool the
        // servers of the tests running beside this one need.
        let (certs, configText, store, server) = try await testClients.run { [logger] in
            let certs = try Self.sharedCertificates.get()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let configText = Self.config(certs: certs, fingerprint: try Self.esdhFingerprint(certs: certs), persons: persons, cap: cap, grace: grace)
            let store = try Store(stateDirectory: directory)
            try Self.apply(configText, to: store, in: directory)
            let server = try GatewayServer(store: store, logger: logger, targets: targets, clock: clock, executor: executor,
                                           alarms: alarms)
            return (certs, configText, store, server)
        }
        self.directory = directory
        self.manual = manual
        self.certs = certs
        self.configText = configText
        self.store = store
        self.server = server
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = try server.makeApplication(onServerRunning: { port in continuation.yield(port) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        self.group = group
        task = Task { try await group.run() }
        var bound = 0
        for await p in stream { bound = p; break }
        port = bound
    }

    /// Applies `yaml` to the fixture's store, as `udtraek config apply` would while the gateway runs.
    func apply(_ yaml: String) async throws {
        let (store, directory) = (store, directory)
        try await testClients.run { try Self.apply(yaml, to: store, in: directory) }
    }

    static func apply(_ yaml: String, to store: Store, in directory: String) throws {
        let path = directory + "/udtraek-\(UUID().uuidString).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try ConfigurationFile.load(path: path).apply(to: store, actor: "test")
    }

    /// Stops the gateway as `serve` does on SIGTERM: the server stops taking connections,
    /// the housekeeping services write what they hold, then it returns.
    private func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until the housekeeping services sleep on the manual clock (the KLE plan is
    /// built at start, before its service first sleeps), so an advance reaches them.
    func housekeepingSettled() async { await manual.waitForSleepers(atLeast: Self.housekeepers) }

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

    /// GET with curl (client certificate `cert`, or none), returning status and body.
    func get(_ path: String, cert: String? = "sag-kbh", headers: [String: String], extra: [String] = [],
             bodyFile: String? = nil) async throws -> Answer {
        let (port, certs, directory) = (port, certs, directory)
        return try await testClients.run {
            try Self.curl(port: port, certs: certs, scratch: directory, path, cert: cert, headers: headers, extra: extra, bodyFile: bodyFile)
        }
    }

    /// One GET with curl against the gateway on `port` over TLS, with the client
    /// certificate `cert` from `certs` (or none); header and body files go to `scratch`.
    static func curl(port: Int, certs: String, scratch: String, _ path: String, cert: String?, headers: [String: String],
                     extra: [String] = [], bodyFile: String? = nil) throws -> Answer {
        let out = bodyFile ?? scratch + "/body-\(UUID().uuidString)"
        let headerFile = scratch + "/headers-\(UUID().uuidString)"
        var args = ["-s", "-o", out, "-D", headerFile, "-w", "%{http_code}", "--cacert", "\(certs)/ca.pem", "--max-time", "120"]
        if let cert {
            args += ["--cert", "\(certs)/\(cert).pem", "--key", "\(certs)/\(cert).key"]
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

    /// The audit rows so far: what the auditor holds is written first (on the executor),
    /// so every call answered before this is in the list.
    func auditRows() async throws -> [GatewayCall] {
        await server.auditor.flushOnExecutor()
        let store = store
        return try await testClients.run { try store.gatewayCalls(limit: 10_000) }
    }

    /// The audit rows once `done` holds for them: a streamed response is audited after its
    /// last byte has gone, which its client may see first.
    func auditRows(until done: ([GatewayCall]) -> Bool) async throws -> [GatewayCall] {
        var rows = try await auditRows()
        _ = try await eventually {
            rows = try await auditRows()
            return done(rows)
        }
        return rows
    }
}

enum BusinessCalendarEpoch {
    static let epoch = CivilDate(year: 2020, month: 1, day: 1)!
}
