import Foundation
import Monitoring
import Store
import Testing
import UdtraekTesting

/// A real HTTP server (Python's http.server in a child process) that answers 500 to the
/// first requests and 200 after, checking each request's HMAC-SHA256 signature itself.
final class WebhookServer {
    let port: Int
    let log: String
    let process: ChildProcess

    static let script = """
    import hashlib, hmac, json, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    port, failures, secret, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
    seen = {"n": 0}
    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            sig = dict(p.split("=", 1) for p in self.headers["X-Udtraek-Signature"].split(","))
            good = hmac.compare_digest(sig["v1"], hmac.new(secret, sig["t"].encode() + b"." + body, hashlib.sha256).hexdigest())
            seen["n"] += 1
            status = 500 if seen["n"] <= failures else 200
            with open(log, "a") as f:
                f.write(json.dumps({"status": status, "valid": good, "body": json.loads(body)}) + "\\n")
            self.send_response(status)
            self.end_headers()
        def log_message(self, *a): pass
    HTTPServer(("127.0.0.1", port), H).serve_forever()
    """

    init(directory: String, failures: Int, secret: String) throws {
        port = try LocalSSHD.freePort()
        log = directory + "/webhook.log"
        let script = directory + "/webhook.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        process = try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", script, "\(port)", "\(failures)", secret, log],
                                   logPath: directory + "/webhook-server.log")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if ok { return }
            usleep(50_000)
        }
        throw HarnessError("the webhook test server did not start")
    }

    var requests: [[String: Any]] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() { process.stop() }
}

@Suite(.serialized) struct WebhookTests {
    @Test func failingWebhookIsRetriedAlarmedAndRecovers() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        let server = try WebhookServer(directory: fx.directory, failures: 3, secret: "s3cret")
        defer { server.stop() }
        fx.monitoring.settings.webhooks = [
            WebhookTarget(name: "oncall", url: "http://127.0.0.1:\(server.port)/alarms", secretEnv: "HOOK_SECRET"),
        ]
        try fx.watch(rules: [PickupRule(collectWithinSeconds: 3600, repeatEverySeconds: 1800)])
        let t = try fx.deliver("hook.dat").finishedAt!
        let monitor = fx.monitor()
        try monitor.pass(at: t + 2 * 3600)
        let queued = try fx.store.webhookDeliveries()
        #expect(queued.count == 1 && queued[0].state == .pending, "the breach is queued, not sent by the pass")

        let sender = WebhookSender(store: fx.store, environment: ["HOOK_SECRET": "s3cret"])
        sender.baseDelay = 10
        var now = t + 2 * 3600
        for _ in 0..<3 {
            try await sender.sendDue(now: now)
            now += 3600
        }
        let failed = try #require(try fx.store.webhookDeliveries().first { $0.event == .raised && $0.alarmId != 0 })
        #expect(failed.attempts == 3 && failed.state == .pending && failed.lastError?.contains("HTTP 500") == true)
        let hookAlarm = try #require(try fx.alarms(.webhookFailing).first, "a failing webhook is an alarm of its own")
        #expect(hookAlarm.isOpen)

        try await sender.sendDue(now: now)
        let sent = try #require(try fx.store.webhookDeliveries().first { $0.id == failed.id })
        #expect(sent.state == .sent && sent.attempts == 4)
        #expect(try fx.store.alarm(id: hookAlarm.id!)?.resolution == "recovered")

        let requests = server.requests
        #expect(requests.count == 4)
        #expect(requests.allSatisfy { $0["valid"] as? Bool == true }, "every request carries a valid HMAC-SHA256 signature")
        let body = try #require(requests.last?["body"] as? [String: Any])
        #expect(body["event"] as? String == "raised" && body["system"] as? String == "modtager" && body["file"] as? String == "hook.dat")
        #expect((body["alarm"] as? [String: Any])?["kind"] as? String == "pickup.overdue")
        #expect(body["deadline"] is String && body["delivered_at"] is String && body["state"] as? String == "open")
    }

    @Test func backoffGrowsAndGivesUp() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        fx.monitoring.settings.webhooks = [WebhookTarget(name: "dead", url: "http://127.0.0.1:9/x", secretEnv: "S")]
        try fx.apply()
        let monitor = fx.monitor()
        try monitor.extractMissed(extract: "x", slot: Date(timeIntervalSince1970: 0), reason: "test", now: Date(timeIntervalSince1970: 100))
        let sender = WebhookSender(store: fx.store, environment: ["S": "k"])
        sender.maxAttempts = 3
        try await sender.sendDue(now: Date(timeIntervalSince1970: 100))
        var row = try #require(try fx.store.webhookDeliveries().first)
        #expect(row.nextAttemptAt == Date(timeIntervalSince1970: 105))
        try await sender.sendDue(now: Date(timeIntervalSince1970: 104))
        #expect(try fx.store.webhookDeliveries().first?.attempts == 1, "not before its time")
        try await sender.sendDue(now: Date(timeIntervalSince1970: 105))
        row = try #require(try fx.store.webhookDeliveries().first)
        #expect(row.nextAttemptAt == Date(timeIntervalSince1970: 115))
        try await sender.sendDue(now: Date(timeIntervalSince1970: 115))
        row = try #require(try fx.store.webhookDeliveries().first { $0.webhook == "dead" && $0.attempts == 3 })
        #expect(row.state == .failed)
        #expect(try fx.alarms(.webhookFailing).count == 1)
    }
}
