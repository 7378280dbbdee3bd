import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Store

/// Sends one HTTP POST; a seam so tests and other transports can stand in.
public protocol WebhookTransport: Sendable {
    /// Returns the HTTP status code; throws when no answer came.
    func post(url: URL, body: Data, headers: [String: String], timeout: TimeInterval) async throws -> Int
}

/// URLSession (FoundationNetworking on Linux).
public struct URLSessionWebhookTransport: WebhookTransport {
    public init() {}

    public func post(url: URL, body: Data, headers: [String: String], timeout: TimeInterval) async throws -> Int {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}

/// Webhook signatures: `X-Udtraek-Signature: t=UNIX,v1=HEX`, where HEX is
/// HMAC-SHA256(secret, "UNIX.BODY"). The time inside the signed text lets a receiver
/// refuse replays (compare t with its clock, e.g. within 5 minutes).
public enum WebhookSignature {
    public static func header(body: Data, secret: String, timestamp: Int) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// Drains the webhook queue in SQLite: each due row is POSTed, retried with exponential
/// backoff, and given up after `maxAttempts`. It runs apart from the monitor's passes, so a
/// slow or failing webhook never holds up monitoring; its failure is an alarm of its own
/// (sent to the other webhooks and the log) and stays visible in the row's state.
public final class WebhookSender: @unchecked Sendable {
    let store: Store
    let transport: any WebhookTransport
    let logger: Logger
    let environment: [String: String]
    let clock: @Sendable () -> Date
    public var maxAttempts = 10
    public var baseDelay: TimeInterval = 5
    public var maxDelay: TimeInterval = 3600
    public var timeout: TimeInterval = 10
    /// Failed attempts of one delivery after which the webhook's alarm is raised.
    public var alarmAfterFailures = 3

    public init(store: Store, transport: any WebhookTransport = URLSessionWebhookTransport(),
                logger: Logger = Logger(label: "udtraek.webhook"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.transport = transport
        self.logger = logger
        self.environment = environment
        self.clock = clock
    }

    /// Sends every due delivery once; returns how many were attempted.
    @discardableResult
    public func sendDue(now: Date? = nil) async throws -> Int {
        let now = now ?? clock()
        let webhooks = try store.configuration().monitoring.settings.webhooks
        let due = try store.dueWebhookDeliveries(now: now, limit: 100)
        for delivery in due { try await attempt(delivery, webhooks: webhooks, now: now) }
        return due.count
    }

    func attempt(_ queued: WebhookDelivery, webhooks: [WebhookTarget], now: Date) async throws {
        var delivery = queued
        delivery.attempts += 1
        var failure: String?
        if let hook = webhooks.first(where: { $0.name == delivery.webhook }), let url = URL(string: hook.url) {
            do {
                let secret: String?
                do { secret = try hook.secretSource.read(environment: environment) } catch {
                    throw MonitoringError("reading the signing secret of webhook \(hook.name)", reason: error.reason, hint: error.hint)
                }
                guard let secret else {
                    throw MonitoringError("signing for webhook \(hook.name)", reason: "no secret is configured")
                }
                let body = Data(delivery.body.utf8)
                let headers = ["Content-Type": "application/json",
                               "X-Udtraek-Signature": WebhookSignature.header(body: body, secret: secret, timestamp: Int(now.timeIntervalSince1970)),
                               "X-Udtraek-Event": delivery.event.rawValue,
                               "X-Udtraek-Delivery": "\(delivery.id ?? 0)"]
                let status = try await transport.post(url: url, body: body, headers: headers, timeout: timeout)
                if !(200..<300).contains(status) { failure = "\(hook.url) answered HTTP \(status)" }
            } catch {
                failure = "\(error)"
            }
        } else {
            failure = "the webhook '\(delivery.webhook)' is no longer configured"
        }
        let notifier = AlarmNotifier(webhooks: webhooks, logger: logger)
        let key = "webhook:\(delivery.webhook):"
        if let failure {
            delivery.lastError = failure
            if delivery.attempts >= maxAttempts {
                delivery.state = .failed
                logger.error("webhook \(delivery.webhook) gave up on delivery \(delivery.id ?? 0) after \(delivery.attempts) attempts: \(failure)")
            } else {
                let delay = min(maxDelay, baseDelay * pow(2, Double(delivery.attempts - 1)))
                delivery.nextAttemptAt = now.addingTimeInterval(delay)
                logger.warning("webhook \(delivery.webhook) failed (attempt \(delivery.attempts)): \(failure); next try at \(AlarmPlanner.iso(delivery.nextAttemptAt))")
            }
            try store.updateWebhookDelivery(delivery)
            if delivery.attempts >= alarmAfterFailures || delivery.state == .failed {
                let open = try store.alarms(openOnly: true, limit: 1_000_000).contains { $0.dedupKey.hasPrefix(key) }
                if !open {
                    let alarm = AlarmRecord(dedupKey: key + "\(delivery.id ?? 0)", kind: .webhookFailing, severity: .critical,
                                            summary: "webhook \(delivery.webhook) cannot be reached: \(failure)", raisedAt: now,
                                            repeatEverySeconds: nil)
                    let notices = try store.applyMonitorPass(pickups: [], alarms: [.raise(alarm, detail: failure)], now: now,
                                                             notify: { notifier.webhookRows($0, excluding: delivery.webhook) })
                    notices.forEach(notifier.log)
                }
            }
        } else {
            delivery.state = .sent
            delivery.sentAt = now
            delivery.lastError = nil
            try store.updateWebhookDelivery(delivery)
            let open = try store.alarms(openOnly: true, limit: 1_000_000).filter { $0.kind == .webhookFailing && $0.dedupKey.hasPrefix(key) }
            if !open.isEmpty {
                let notices = try store.applyMonitorPass(pickups: [], alarms: open.map {
                    .resolve(dedupKey: $0.dedupKey, resolution: "recovered", detail: "webhook \(delivery.webhook) accepted a delivery again")
                }, now: now, notify: { notifier.webhookRows($0) })
                notices.forEach(notifier.log)
            }
        }
    }
}
