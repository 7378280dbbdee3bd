#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Extracts
import SFTPClient
import Store
import Testing
import UdtraekTesting

/// The real `udtraek serve` process: the API triggers a run the scheduler produces,
/// `extract run --wait` waits for a run in flight, SIGTERM stops it within its grace
/// period whatever it is doing, a service that cannot start ends it with the cause, and a
/// backlog goes to a receiver over one SSH session.
@Suite(.serialized) struct ServeEndToEndTests {
    static let token = "e2e-token-0123456789abcdef"

    static func call(_ method: String, _ url: String, token: String? = ServeEndToEndTests.token) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as! HTTPURLResponse).statusCode, object)
    }

    @Test func theAPITriggersARunThatServeProducesAndSIGTERMStopsIt() async throws {
        let dir = NSTemporaryDirectory() + "udtraek-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try LocalSSHD.freePort()
        let tokenFile = dir + "/token"
        try Self.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        // `config apply` checks the key file (issue 11): a real one, never used here.
        #expect(try await UdtraekCLI.runDetached(["keys", "generate", "modtager", "--out", dir + "/key"]).status == 0)
        try """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 300000 } }
            municipalities: [{ code: "0101", name: København }]
            systems:
              - name: modtager
                inbox: { host: 127.0.0.1, port: 1, user: u, private_key: \(dir)/key, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            agreements:
              - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
              - { uuid: 659fc821-435a-40d1-9077-10b54714a190, system: modtager, municipality: "0101", service: kle-extract, state: pending }
            extracts:
              - { name: kbh-status, source: cpr, kind: status, system: modtager, municipality: "0101", gzip_level: 1 }
              - { name: kle, source: kle, kind: status, system: modtager, municipality: "0101" }
            api:
              listen: 127.0.0.1:\(port)
              tokens: [{ name: e2e, file: \(tokenFile) }]
            """.write(toFile: dir + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let state = ["--config", dir + "/udtraek.yaml", "--state", dir + "/state"]
        #expect(try await UdtraekCLI.runDetached(["config", "apply"] + state).status == 0)

        let serve = try UdtraekCLI.start(["serve", "--poll", "3600"] + state, logPath: dir + "/serve.log")
        defer { serve.stop(signal: SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 where !up {
            up = (try? await Self.call("GET", base + "/healthz", token: nil))?.0 == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        let log = { (try? String(contentsOfFile: dir + "/serve.log", encoding: .utf8)) ?? "" }
        try #require(up, "serve did not answer: \(log())")

        #expect(try await Self.call("POST", base + "/api/v1/extracts/kbh-status/runs", token: "nope").0 == 401)
        let (status, body) = try await Self.call("POST", base + "/api/v1/extracts/kbh-status/runs")
        #expect(status == 202)
        let id = try #require((body["run"] as? [String: Any])?["id"] as? Int)

        // While serve produces it, a CLI request for the same day joins serve's run and
        // --wait waits for it: one file, not two with the same name (issue 11, item 7).
        let joined = try await UdtraekCLI.runDetached(["extract", "run", "kbh-status", "--wait", "--no-deliver", "--timeout", "120"] + state)
        #expect(joined.status == 0, "\(joined.output)")
        // (On a fast machine serve may have finished first; then nothing is queued.)
        #expect(joined.output.contains("joins it") || joined.output.contains("already produced"), "\(joined.output)")
        // A backfill of another day is a run of its own, queued behind serve's if it is
        // still in flight, and --wait produces it.
        let backfill = try await UdtraekCLI.runDetached(["extract", "run", "kbh-status", "--date", "2026-11-20", "--wait",
                                                         "--no-deliver", "--timeout", "120"] + state)
        #expect(backfill.status == 0, "\(backfill.output)")

        var state_ = ""
        for _ in 0..<600 where !["produced", "failed", "refused"].contains(state_) {
            state_ = (try await Self.call("GET", base + "/api/v1/runs/\(id)").1["state"] as? String) ?? ""
            if state_ == "queued" || state_ == "running" { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(state_ == "produced", "\(log())")

        // A refused run: --wait exits 2 and says why.
        let refused = try await UdtraekCLI.runDetached(["extract", "run", "kle", "--wait"] + state)
        #expect(refused.status == 2)
        #expect(refused.output.contains("no approved service agreement"))

        let (_, list) = try await Self.call("GET", base + "/api/v1/runs?extract=kbh-status")
        let runs = try #require(list["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        #expect(Set(runs.compactMap { $0["trigger"] as? String }) == ["api", "manual"])

        let (metricsData, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
        let metrics = String(decoding: metricsData, as: UTF8.self)
        #expect(metrics.contains("udtraek_extract_runs_total{extract=\"kbh-status\",outcome=\"produced\"} "), "\(metrics)")

        let history = try await UdtraekCLI.runDetached(["runs", "--extract", "kbh-status", "--json"] + state)
        #expect(history.status == 0)
        #expect(history.output.contains("\"trigger\" : \"api\""), "\(history.output)")
        #expect(history.output.contains("\"requested_by\" : \"api:e2e\""), "\(history.output)")

        let shown = try await UdtraekCLI.runDetached(["runs", "show", "\(id)"] + state)
        #expect(shown.status == 0)
        #expect(shown.output.contains("requested by     api:e2e"), "\(shown.output)")
        let cancel = try await UdtraekCLI.runDetached(["runs", "cancel", "\(id)"] + state)
        #expect(cancel.status != 0)
        #expect(cancel.output.contains("only a queued run can be cancelled"), "\(cancel.output)")

        serve.send(SIGTERM)
        #expect(await serve.waitForExit() != nil, "serve did not stop on SIGTERM: \(log())")
        #expect(serve.exitStatus == 0, "\(log())")
        #expect(log().contains("stopped"))
    }

    @Test func aTakenAdminAPIPortEndsServeWithTheCauseOnOneLine() async throws {
        try await ServeFixture.with { fx in
            let taken = try ListeningSocket()
            defer { taken.close() }
            try fx.configure(api: taken.port)
            let started = ContinuousClock.now
            let serve = try fx.startServe()
            let exited = try #require(await serve.waitForExit(), "serve kept running with its port taken: \(fx.log)")
            #expect(exited - started < .seconds(10), "serve took \(exited - started) to give up")
            #expect(serve.exitStatus == 1, "\(fx.log)")
            let cause = fx.log.split(separator: "\n").filter { $0.contains("failed:") }
            #expect(cause.count == 1, "\(fx.log)")
            #expect(cause.first?.contains("the admin API on 127.0.0.1:\(taken.port) failed") == true, "\(fx.log)")
            #expect(cause.first?.lowercased().contains("address already in use") == true, "\(fx.log)")
        }
    }

    @Test func sigtermWhileIdleStopsServeCleanly() async throws {
        try await ServeFixture.with { fx in
            try fx.configure()
            let serve = try fx.startServe(["--grace", "5"])
            try #require(await eventually { fx.log.contains("serving ") }, "serve did not start: \(fx.log)")
            let signalled = ContinuousClock.now
            serve.send(SIGTERM)
            let exited = try #require(await serve.waitForExit(), "serve did not stop on SIGTERM: \(fx.log)")
            #expect(exited - signalled < .seconds(5), "\(fx.log)")
            #expect(serve.exitStatus == 0, "\(fx.log)")
            #expect(fx.log.contains("stopped"))
        }
    }

    @Test func sigtermWhileAnExtractIsInFlightQueuesItAgainAndStops() async throws {
        try await ServeFixture.with { fx in
            // About 1.1 million persons: minutes of work in a debug build.
            try fx.configure(persons: 10_000_000)
            let store = try Store(stateDirectory: fx.state)
            let request = try ExtractRunner(store: store, stateDirectory: fx.state).request("kbh-status", trigger: .api, actor: "api:t")
            let serve = try fx.startServe(["--grace", "20"])
            // SIGTERM the instant the run writes its file.
            let writing = try ConditionWatch(within: .seconds(120), { fx.spoolFiles.contains { $0.hasPrefix(".tmp-") } },
                                             then: { serve.send(SIGTERM) })
            try #require(await writing.seen(), "serve never started the run: \(fx.log)")
            let exited = try #require(await serve.waitForExit(), "serve did not stop on SIGTERM: \(fx.log)")
            let signalled = try #require(writing.firedAt)
            #expect(exited - signalled < .seconds(20), "\(fx.log)")
            #expect(serve.exitStatus == 0, "\(fx.log)")
            let id = try #require(request.run.id)
            let run = try #require(try store.run(id: id))
            #expect(run.state == .queued, "\(fx.log)")
            #expect(fx.spoolFiles.isEmpty, "\(fx.spoolFiles)")
        }
    }

    /// The upload in flight is stalled (its sshd connection stopped), so nothing but the
    /// grace period can end serve; afterwards a restart delivers the file.
    @Test func sigtermWhileADeliveryIsStalledStopsServeWithinTheGracePeriod() async throws {
        try await ServeFixture.with { fx in
            try await fx.withReceiver { sshd, inbox in
                let store = try Store(stateDirectory: fx.state)
                let entry = try fx.enqueue("D261124.L000900", size: 48 << 20, store: store)
                // The upload is stalled the instant it has begun.
                let stall = try ConditionWatch({
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []
                    return names.contains { $0.hasSuffix(".part") }
                }, then: { sshd.signalConnections(SIGSTOP) })
                let serve = try fx.startServe(["--grace", "4"])
                try #require(await stall.seen(), "the upload never started: \(fx.log)")
                let signalled = ContinuousClock.now
                serve.send(SIGTERM)
                let exited = await serve.waitForExit()
                sshd.signalConnections(SIGCONT)
                sshd.killConnections()
                let took = try #require(exited, "serve did not stop on SIGTERM: \(fx.log)") - signalled
                #expect(took < .seconds(10), "serve took \(took) with a 4 s grace period")
                #expect(serve.exitStatus == 1, "\(fx.log)")
                #expect(fx.log.contains("did not stop within the grace period"), "\(fx.log)")
                #expect(!((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).contains("D261124.L000900"))

                let again = try await UdtraekCLI.runDetached(["serve", "--once"] + fx.arguments)
                #expect(again.status == 0, "\(again.output)")
                let id = try #require(entry.id)
                #expect(try store.outboxEntry(id: id)?.state == .delivered, "\(again.output)")
            }
        }
    }

    @Test func aBacklogGoesToItsReceiverOverOneSession() async throws {
        try await ServeFixture.with { fx in
            try await fx.withReceiver { sshd, inbox in
                let store = try Store(stateDirectory: fx.state)
                let names = (1...5).map { "D261124.L00080\($0)" }
                for name in names { _ = try fx.enqueue(name, size: 50_000, store: store) }
                let serve = try fx.startServe(["--poll", "3600"])
                let delivered = await eventually { (try? store.outbox().allSatisfy { $0.state == .delivered }) == true }
                #expect(delivered, "\(fx.log)")
                serve.send(SIGTERM)
                #expect(await serve.waitForExit() != nil, "\(fx.log)")
                let listed = ((try? FileManager.default.contentsOfDirectory(atPath: inbox)) ?? []).sorted()
                #expect(listed == names.flatMap { [$0, $0 + ".metadata"] }.sorted())
                #expect(sshd.log.components(separatedBy: "Accepted publickey").count - 1 == 1, "\(sshd.log)")
            }
        }
    }
}

/// A state directory and configuration for a `serve` process; `with` removes it and kills
/// a serve left running, before returning.
final class ServeFixture: @unchecked Sendable {
    let directory: String
    var state: String { directory + "/state" }
    var arguments: [String] { ["--config", directory + "/udtraek.yaml", "--state", state] }
    private var children: [ChildProcess] = []
    /// The receiver's inbox line of the configuration: a real key (`config apply` checks
    /// it) and an inbox nobody listens at, until a receiver runs.
    private var inbox: String

    private init() throws {
        directory = NSTemporaryDirectory() + "udtraek-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = directory + "/modtager_key"
        try SSHKeys.generate(.ed25519, at: key)
        inbox = "{ host: 127.0.0.1, port: 1, user: u, private_key: \(key), host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }"
    }

    static func with(_ body: (ServeFixture) async throws -> Void) async throws {
        let fx = try ServeFixture()
        defer {
            fx.children.forEach { $0.stop(signal: SIGKILL) }
            try? FileManager.default.removeItem(atPath: fx.directory)
        }
        try await body(fx)
    }

    var log: String { (try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? "" }

    var spoolFiles: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: state + "/outbox")) ?? []).sorted() }

    /// Writes the configuration (one receiver, a CPR status extract, an admin API when
    /// `api` is a port) and applies it.
    func configure(api: Int? = nil, persons: Int = 2_000) throws {
        var text = """
            sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: \(persons) } }
            municipalities: [{ code: "0101", name: København }]
            systems:
              - name: modtager
                inbox: \(inbox)
            agreements:
              - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
            extracts:
              - { name: kbh-status, source: cpr, kind: status, system: modtager, municipality: "0101", gzip_level: 1 }

            """
        if let api {
            let tokenFile = directory + "/token"
            try ServeEndToEndTests.token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            chmod(tokenFile, 0o600)
            text += """
                api:
                  listen: 127.0.0.1:\(api)
                  tokens: [{ name: e2e, file: \(tokenFile) }]

                """
        }
        try text.write(toFile: directory + "/udtraek.yaml", atomically: true, encoding: .utf8)
        let applied = try UdtraekCLI.run(["config", "apply"] + arguments)
        guard applied.status == 0 else { throw HarnessError("config apply failed: \(applied.output)") }
    }

    /// Runs `body` with a private sshd as the receiver's inbox, configured and applied.
    func withReceiver(_ body: (LocalSSHD, _ inbox: String) async throws -> Void) async throws {
        let key = directory + "/modtager_key"
        try await withLocalSSHD(directory: directory + "/sshd", accounts: [.init(system: "modtager", publicKeyPath: key + ".pub")]) { sshd in
            inbox = "{ host: 127.0.0.1, port: \(sshd.port), user: \(LocalSSHD.loginUser), private_key: \(key), host_key_fingerprints: [\(try sshd.hostKeyFingerprint)] }"
            try configure()
            try await body(sshd, sshd.inboxRoot("modtager") + "/IN")
        }
    }

    /// Puts a file of `size` bytes in the outbox for the receiver, due now or at `dueAt`.
    func enqueue(_ name: String, size: Int, store: Store, dueAt: Date? = nil) throws -> OutboxEntry {
        let path = directory + "/" + name
        var bytes = [UInt8](repeating: 0, count: size)
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in bytes.indices {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: x >> 33)
        }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let now = Date()
        return try store.enqueue(OutboxEntry(system: "modtager", fileName: name, localPath: path, bytes: Int64(size), sha256: nil,
                                             nextAttemptAt: dueAt ?? now, createdAt: now, updatedAt: now, ownedBySpool: false))
    }

    func startServe(_ extra: [String] = []) throws -> ChildProcess {
        let child = try UdtraekCLI.start(["serve"] + extra + arguments, logPath: directory + "/serve.log")
        children.append(child)
        return child
    }

}

/// A TCP socket listening on a free port of 127.0.0.1, so another listener cannot bind it.
final class ListeningSocket: Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok, listen(fd, 8) == 0 else {
            Glibc.close(fd)
            throw HarnessError("cannot listen on a free port")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func close() { Glibc.close(fd) }
}
