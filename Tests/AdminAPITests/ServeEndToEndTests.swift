#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import UdtraekTesting

/// The real `udtraek serve` process: the API triggers a run the scheduler produces,
/// `extract run --wait` waits for a run in flight, and SIGTERM stops it cleanly.
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

        // While serve produces it, a CLI run of the same extract queues behind it and
        // --wait waits for it (producing it once serve's run ends).
        let waited = try await UdtraekCLI.runDetached(["extract", "run", "kbh-status", "--wait", "--no-deliver", "--timeout", "120"] + state)
        #expect(waited.status == 0, "\(waited.output)")
        // (On a fast machine serve may have finished first; then the CLI produced at once.)
        #expect(waited.output.contains("is in flight") || waited.output.contains("Produced"), "\(waited.output)")

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

        serve.stop(signal: SIGTERM)
        var exited = false
        for _ in 0..<100 where !exited {
            exited = serve.hasExited
            if !exited { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(exited, "serve did not stop on SIGTERM: \(log())")
        #expect(log().contains("stopped"))
    }
}
