import Foundation
import Logging
import Monitoring
import Runtime
import Store
import Testing
import UdtraekTesting

/// The webhook sender against a real HTTP server on loopback (`WebhookReceiver`), with
/// every date given by the test: explicitly, or by a manual clock the test advances.
@Suite(.serialized) struct WebhookTests {
    @Test func failingWebhookIsRetriedAlarmedAndRecovers() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        try await WebhookReceiver.with(secret: "s3cret", answer: { $0 <= 3 ? 500 : 200 }) { receiver, port in
            fx.monitoring.settings.webhooks = [
                WebhookTarget(name: "oncall", url: "http://127.0.0.1:\(port)/alarms", secretEnv: "HOOK_SECRET"),
            ]
            try fx.watch(rules: [PickupRule(collectWithinSeconds: 3600, repeatEverySeconds: 1800)])
            let t = try #require(try fx.deliver("hook.dat").finishedAt)
            let monitor = fx.monitor()
            try monitor.pass(at: t + 2 * 3600)
            let queued = try fx.store.webhookDeliveries()
            #expect(queued.count == 1 && queued[0].state == .pending, "the breach is queued, not sent by the pass")

            let sender = WebhookSender(store: fx.store, environment: ["HOOK_SECRET": "s3cret"], policy: WebhookRetryPolicy(baseDelay: 10))
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

            let requests = receiver.requests
            #expect(requests.map(\.status) == [500, 500, 500, 200])
            #expect(requests.allSatisfy { $0.validSignature }, "every request carries a valid HMAC-SHA256 signature")
            let body = try #require(requests.last?.json)
            #expect(body["event"] as? String == "raised" && body["system"] as? String == "modtager" && body["file"] as? String == "hook.dat")
            #expect(requests.last?.alarmKind == "pickup.overdue")
            #expect(body["deadline"] is String && body["delivered_at"] is String && body["state"] as? String == "open")
        }
    }

    @Test func backoffGrowsAndGivesUp() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        fx.monitoring.settings.webhooks = [WebhookTarget(name: "dead", url: "http://127.0.0.1:9/x", secretEnv: "S")]
        try fx.apply()
        let monitor = fx.monitor()
        try monitor.extractMissed(extract: "x", slot: Date(timeIntervalSince1970: 0), reason: "test", now: Date(timeIntervalSince1970: 100))
        let sender = WebhookSender(store: fx.store, environment: ["S": "k"], policy: WebhookRetryPolicy(maxAttempts: 3))
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

    /// Fault: the receiver is down (its port refuses connections), then comes up on the same
    /// port while the sender's service keeps running. The sender's loop runs on a manual
    /// clock: every advance wakes it once, and waiting for it to sleep again means its pass
    /// is over, so each step is checked exactly, on any machine.
    @Test func receiverDownIsRetriedWithBackoffAlarmedOnceAndRecoversWithoutARestart() async throws {
        let fx = try MonitorFixture()
        defer { fx.tearDown() }
        let port = try LocalSSHD.freePort() // nothing listens on it: every connection is refused
        fx.monitoring.settings.webhooks = [WebhookTarget(name: "oncall", url: "http://127.0.0.1:\(port)/alarms", secretEnv: "HOOK_SECRET")]
        try fx.apply()
        let manual = ManualClock(start: Date(timeIntervalSince1970: 1_795_000_000))
        let start = manual.date
        let monitor = fx.monitor(clock: manual.clock)
        for extract in ["cpr-a", "cpr-b"] {
            try monitor.extractMissed(extract: extract, slot: start, reason: "the source was down")
        }
        let sender = WebhookSender(store: fx.store, environment: ["HOOK_SECRET": "s3cret"],
                                   policy: WebhookRetryPolicy(baseDelay: 10, alarmAfterFailures: 3), clock: manual.clock)
        let service = sender.periodicService(every: .seconds(1), logger: Logger(label: "test"))
        let rows = { try fx.store.webhookDeliveries().filter { $0.event == .raised } }
        /// Moves the clock on and waits until the sender has passed and sleeps again.
        func advance(_ seconds: Int64) async {
            manual.advance(by: .seconds(seconds))
            await manual.waitForSleepers(atLeast: 1)
        }

        try await withRunning(service) {
            await manual.waitForSleepers(atLeast: 1)
            // Attempt 1 at once; the next at +10 s, then +20 s, +40 s, +80 s.
            #expect(try rows().map(\.attempts) == [1, 1])
            #expect(try rows().allSatisfy { $0.state == .pending && $0.nextAttemptAt == start + 10 })
            await advance(9)
            #expect(try rows().map(\.attempts) == [1, 1], "not before its time")
            await advance(1)
            #expect(try rows().map(\.attempts) == [2, 2])
            #expect(try fx.alarms(.webhookFailing).isEmpty, "two failures are not yet an alarm")
            await advance(19)
            #expect(try rows().map(\.attempts) == [2, 2], "the wait doubled")
            await advance(1)
            #expect(try rows().map(\.attempts) == [3, 3])
            let alarms = try fx.alarms(.webhookFailing)
            #expect(alarms.count == 1 && alarms.first?.isOpen == true, "raised once for the webhook, not once per delivery")
            await advance(40)
            #expect(try rows().map(\.attempts) == [4, 4])
            #expect(try fx.alarms(.webhookFailing).count == 1, "not raised again while it stays down")
            #expect(try rows().allSatisfy { $0.state == .pending }, "nothing given up, nothing lost")

            // The receiver comes up on the same port; the running sender finds it at the next retry.
            try await WebhookReceiver.with(port: port, secret: "s3cret") { receiver, _ in
                await advance(79)
                #expect(receiver.requests.isEmpty, "not before its time")
                await advance(1)
                #expect(try rows().allSatisfy { $0.state == .sent && $0.attempts == 5 })
                let alarm = try #require(try fx.alarms(.webhookFailing).first)
                #expect(alarm.resolution == "recovered", "resolved by the first delivery it accepted, without a restart")
                // The resolution is news for the on-call tool too: it is sent at the next pass.
                await advance(1)
                let requests = receiver.requests
                #expect(requests.count == 3 && requests.allSatisfy { $0.validSignature })
                let raised = requests.filter { $0.event == "raised" }
                #expect(raised.count == 2 && raised.allSatisfy { $0.alarmKind == "extract.missing" }, "each alarm arrives exactly once")
                let summaries = raised.compactMap { ($0.json["alarm"] as? [String: Any])?["summary"] as? String }
                #expect(summaries.filter { $0.contains("cpr-a") }.count == 1 && summaries.filter { $0.contains("cpr-b") }.count == 1)
                #expect(requests.last?.event == "resolved" && requests.last?.alarmKind == "webhook.failing")
            }
        }
    }
}
