import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Runtime
import ServiceLifecycle
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

/// How the sender retries: exponential backoff from `baseDelay` up to `maxDelay`, given up
/// after `maxAttempts`, alarmed after `alarmAfterFailures` failed attempts of one delivery.
public struct WebhookRetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// How long one request may take.
    public var timeout: TimeInterval
    /// Failed attempts of one delivery after which the webhook's alarm is raised.
    public var alarmAfterFailures: Int

    public init(maxAttempts: Int = 10, baseDelay: TimeInterval = 5, maxDelay: TimeInterval = 3600, timeout: TimeInterval = 10,
                alarmAfterFailures: Int = 3) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.timeout = timeout
        self.alarmAfterFailures = alarmAfterFailures
    }

    /// The wait after the `attempts`-th failed attempt.
    func delay(afterAttempts attempts: Int) -> TimeInterval {
        min(maxDelay, baseDelay * pow(2, Double(min(max(attempts, 1), 62) - 1)))
    }
}

/// Drains the webhook queue in SQLite: each due row is POSTed, retried with exponential
/// backoff, and given up after `maxAttempts`. It runs apart from the monitor's passes, so a
/// slow or failing webhook never holds up monitoring; its failure is an alarm of its own
/// (sent to the other webhooks and the log) and stays visible in the row's state.
///
/// A row's next attempt is a wall-clock date (it is stored); the queue is read on the
/// clock's date, and the store is reached through the executor, never on the caller's thread.
public final class WebhookSender: Sendable {
    let store: Store
    let transport: any WebhookTransport
    let logger: Logger
    let environment: [String: String]
    /// The source of the dates the queue is judged by.
    public let clock: RuntimeClock
    let executor: BlockingExecutor
    public let policy: WebhookRetryPolicy

    public init(store: Store, transport: any WebhookTransport = URLSessionWebhookTransport(),
                logger: Logger = Logger(label: "udtraek.webhook"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                policy: WebhookRetryPolicy = WebhookRetryPolicy(),
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared) {
        self.store = store
        self.transport = transport
        self.logger = logger
        self.environment = environment
        self.policy = policy
        self.clock = clock
        self.executor = executor
    }

    /// The sender's loop: drains the queue at once and then every `interval` on the sender's
    /// clock, until graceful shutdown or cancellation. A failed pass (the store busy) is
    /// logged and tried again; the rows stay queued.
    public func periodicService(every interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(name: "webhook sender", clock: clock, logger: logger, pass: { [self] in
            do { try await sendDue() } catch is CancellationError {} catch {
                logger.error("webhook sender: \(error); trying again in \(interval)")
            }
            return interval
        })
    }

    /// Sends every due delivery once; returns how many were attempted. A graceful shutdown
    /// or cancellation is seen between requests: the rows not yet tried stay queued.
    @discardableResult
    public func sendDue(now: Date? = nil) async throws -> Int {
        let now = now ?? clock.date
        let (webhooks, due) = try await executor.run { [store] in
            (try store.configuration().monitoring.settings.webhooks, try store.dueWebhookDeliveries(now: now, limit: 100))
        }
        var attempted = 0
        for delivery in due {
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            let failure = await post(delivery, webhooks: webhooks, now: now)
            try await executor.run { try self.record(delivery, failure: failure, webhooks: webhooks, now: now) }
            attempted += 1
        }
        return attempted
    }

    /// POSTs one delivery; returns what went wrong, or nil when the receiver accepted it.
    func post(_ delivery: WebhookDelivery, webhooks: [WebhookTarget], now: Date) async -> String? {
        guard let hook = webhooks.first(where: { $0.name == delivery.webhook }), let url = URL(string: hook.url) else {
            return "the webhook '\(delivery.webhook)' is no longer configured"
        }
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
            let status = try await transport.post(url: url, body: body, headers: headers, timeout: policy.timeout)
            return (200..<300).contains(status) ? nil : "\(hook.url) answered HTTP \(status)"
        } catch let error as URLError {
            // URLError's own description is a dump of NSError user-info; an operator reads
            // this in an alarm, so give the transport's sentence and what to check.
            let reason = (error.userInfo[NSLocalizedDescriptionKey] as? String) ?? error.localizedDescription
            return "POST \(hook.url) failed: \(reason). Check that the receiver runs and that the URL is right; the delivery will be retried"
        } catch {
            return "\(error)"
        }
    }

    /// Records one attempt's outcome: the row's next attempt or its end, and the webhook's
    /// alarm (raised once while it fails, resolved by the first success). Blocking.
    func record(_ queued: WebhookDelivery, failure: String?, webhooks: [WebhookTarget], now: Date) throws {
        var delivery = queued
        delivery.attempts += 1
        let notifier = AlarmNotifier(webhooks: webhooks, logger: logger)
        let key = "webhook:\(delivery.webhook):"
        if let failure {
            delivery.lastError = failure
            if delivery.attempts >= policy.maxAttempts {
                delivery.state = .failed
                logger.error("webhook \(delivery.webhook) gave up on delivery \(delivery.id ?? 0) after \(delivery.attempts) attempts: \(failure)")
            } else {
                delivery.nextAttemptAt = now.addingTimeInterval(policy.delay(afterAttempts: delivery.attempts))
                logger.warning("webhook \(delivery.webhook) failed (attempt \(delivery.attempts)): \(failure); next try at \(AlarmPlanner.iso(delivery.nextAttemptAt))")
            }
            try store.updateWebhookDelivery(delivery)
            if delivery.attempts >= policy.alarmAfterFailures || delivery.state == .failed {
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
