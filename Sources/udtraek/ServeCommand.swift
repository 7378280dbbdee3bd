import AdminAPI
import ArgumentParser
import ChangeOrders
import Delivery
import Extracts
import Foundation
import Gateway
import Logging
import Metrics
import Monitoring
import Prometheus
import Runtime
import Scheduler
import ServiceLifecycle
import Store

/// The long-running service: recovers what a crash left, then runs the scheduler, the
/// delivery worker, the pickup monitor, the change-order executor and (when configured) the admin API as one ServiceGroup until SIGTERM
/// or SIGINT. On a stop, runs being produced go back to the queue and the delivery in
/// flight finishes.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler, the delivery worker, the pickup monitor, the change-order executor and the admin API until stopped.",
        discussion: """
        At start-up, runs and deliveries a crash interrupted are settled (a scheduled run is queued again) and \
        leftover files in STATE/outbox are removed. Schedules are decided from the state database (`udtraek config \
        apply` changes them while serve runs). The admin API listens where the configuration's api.listen says.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between outbox passes when nothing is due.") var poll: Double = 5
    @Option(help: "How many extracts may be produced at once.") var concurrentRuns = 2
    @Flag(help: "Recover, decide due slots, produce queued runs, deliver what is due, and exit (for cron).") var once = false

    func run() async throws {
        var options = global
        if options.logLevel == .warning { options.logLevel = .info }
        options.bootstrapLogging()
        let logger = Logger(label: "udtraek.serve")
        guard (1...16).contains(concurrentRuns) else { throw ValidationError("--concurrent-runs must be 1...16") }
        let store = try Store(stateDirectory: global.stateDirectory)
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        let lock = try StateLock(stateDirectory: global.stateDirectory, exclusive: true)
        let runner = ExtractRunner(store: store, stateDirectory: global.stateDirectory, logger: logger)
        for line in try runner.recoverAtStartup() { logger.notice("\(line)") }
        for entry in try store.recoverInterruptedDeliveries(now: Date(), isAlive: ProcessOwner.isAlive) {
            logger.notice("delivery of \(entry.fileName) to \(entry.system) was interrupted; queued again")
        }
        lock.downgrade()
        defer { withExtendedLifetime(lock) {} }

        let scheduler = ExtractScheduler(store: store, runner: runner, logger: Logger(label: "udtraek.scheduler"),
                                         maxConcurrentRuns: concurrentRuns)
        let monitor = PickupMonitor(store: store, logger: Logger(label: "udtraek.monitor"))
        let webhooks = WebhookSender(store: store)
        scheduler.extractNotProduced = { extract, slot, reason in
            do { _ = try monitor.extractMissed(extract: extract, slot: slot, reason: reason) } catch {
                logger.error("cannot raise the missing-extract alarm for \(extract): \(error)")
            }
        }
        let changes = ChangeExecutorService(executor: ChangeExecutor(store: store, logger: Logger(label: "udtraek.changes")))
        let delivery = DeliveryWorker(service: DeliveryService(store: store, logger: Logger(label: "udtraek.delivery")),
                                      poll: poll, logger: logger)
        if once {
            scheduler.decideDueSlots(now: Date())
            while !scheduler.startClaimableRuns().isEmpty { scheduler.waitForRuns() }
            let changed = try changes.executor.runDueBlocking()
            logger.notice("change orders: completed \(changed.completed), failed \(changed.failed), old keys retired \(changed.retiredKeys)")
            delivery.deliverDue(until: { false })
            let pass = try monitor.runPassBlocking()
            monitor.close()
            let sent = try await webhooks.sendDue()
            logger.notice("monitor pass: \(pass.watched) files watched; \(sent) webhooks sent")
            return
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: scheduler), .init(service: delivery),
            .init(service: PickupMonitorService(monitor: monitor, sender: webhooks)),
            .init(service: changes),
        ]
        let api = try store.apiSettings()
        if let listen = api.listen {
            let tokens: OperatorTokens
            do { tokens = try OperatorTokens(api.tokens) } catch { throw Failure("the admin API cannot start: \(error)") }
            let colon = listen.lastIndex(of: ":")!
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let admin = AdminAPI(store: store, runner: runner, tokens: tokens, logger: Logger(label: "udtraek.api"),
                                 metrics: metrics, runRequested: { scheduler.nudge() },
                                 changeSubmitted: { changes.nudge() })
            services.append(.init(service: admin.application(host: host, port: Int(listen[listen.index(after: colon)...])!)))
            logger.notice("admin API on http://\(listen)/api/v1")
        }
        if try store.configuration().gateway.settings != nil {
            let gateway: GatewayServer
            do {
                gateway = try GatewayServer(store: store, logger: Logger(label: "udtraek.gateway"),
                                            alarms: MonitorBreachAlarms(monitor: monitor, logger: logger))
                services.append(.init(service: try gateway.makeApplication()))
            } catch {
                throw Failure("the lookup gateway cannot start: \(error)")
            }
            let s = gateway.settings
            logger.notice("lookup gateway on \(s.plainHTTP ? "http" : "https")://\(s.host):\(s.port)")
        }
        logger.notice("serving \(global.stateDirectory)")
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        logger.notice("stopped")
    }
}

/// The delivery loop as a service: delivers due outbox entries one at a time on its own
/// thread (libssh2 blocks), and on shutdown finishes the delivery in flight and stops.
final class DeliveryWorker: Service, @unchecked Sendable {
    let service: DeliveryService
    let poll: Double
    let logger: Logger
    private let stop = StopFlag()

    init(service: DeliveryService, poll: Double, logger: Logger) {
        self.service = service
        self.poll = poll
        self.logger = logger
    }

    /// Delivers entries that are due, one per step so a stop is seen between deliveries.
    func deliverDue(until stopped: () -> Bool) {
        while !stopped(), !service.deliverDue(limit: 1).isEmpty {}
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread { [self] in
                    while !stop.isSet {
                        deliverDue(until: { stop.isSet })
                        stop.wait(seconds: poll)
                    }
                    done.resume()
                }
            }
        } onGracefulShutdown: { [self] in
            logger.notice("stopping after the delivery in flight")
            stop.set()
        }
    }
}

/// Gateway breach alarms into the monitor's alarm table (and so its log and webhooks).
struct MonitorBreachAlarms: BreachAlarmSink {
    let monitor: PickupMonitor
    let logger: Logger

    func raise(_ alarm: BreachAlarm) {
        do {
            try monitor.serviceTargetBreached(service: alarm.service, breaches: alarm.breaches, calls: alarm.calls,
                                              share: alarm.share, threshold: alarm.threshold)
        } catch {
            logger.error("cannot record the service-target alarm of \(alarm.service): \(error)")
        }
    }
}

/// Set once by a shutdown; waited on by the worker loop.
final class StopFlag: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    var isSet: Bool { condition.withLock { stopped } }

    func set() {
        condition.withLock { stopped = true; condition.broadcast() }
    }

    func wait(seconds: Double) {
        condition.withLock {
            if !stopped { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        }
    }
}
