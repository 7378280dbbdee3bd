import Administration
import AdminAPI
import ArgumentParser
import ChangeOrders
import Delivery
import Extracts
import FileRouting
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
/// delivery worker, the pickup monitor, the change-order executor, the file router and (when configured) the
/// admin API and the lookup gateway as one ServiceGroup until SIGTERM or SIGINT. On a stop,
/// runs being produced go back to the queue and the delivery in flight finishes; whatever
/// has not stopped within `--grace` seconds is cut short. When a service fails, the cause is
/// logged on one line and the process exits non-zero.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the scheduler, the delivery worker, the pickup monitor, the change-order executor, the file router and the admin API until stopped.",
        discussion: """
        At start-up, runs and deliveries a crash interrupted are settled (a scheduled run is queued again) and \
        leftover files in STATE/outbox are removed. Schedules are decided from the state database (`udtraek config \
        apply` changes them while serve runs). The admin API listens where the configuration's api.listen says.

        SIGTERM or SIGINT stops serve: runs in production go back to the queue, the delivery in flight finishes, and \
        serve exits 0 once every service has stopped, or 1 when they have not stopped within --grace seconds. When a \
        service fails (a port in use, a database it cannot use), serve logs the cause and exits 1 within a few seconds.
        """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "Seconds between outbox passes when nothing is due.") var poll: Double = 5
    @Option(help: "How many extracts may be produced at once.") var concurrentRuns = 2
    @Option(help: "Seconds a stop (SIGTERM, SIGINT) gives the services before serve exits anyway.") var grace: Double = 30
    @Flag(help: "Recover, decide due slots, produce queued runs, deliver what is due, and exit (for cron).") var once = false

    func validate() throws {
        guard (1...16).contains(concurrentRuns) else { throw ValidationError("--concurrent-runs must be 1...16") }
        guard poll > 0, poll <= 86_400 else { throw ValidationError("--poll must be more than 0 and at most 86400 seconds") }
        guard grace >= 1, grace <= 3_600 else { throw ValidationError("--grace must be 1...3600 seconds") }
    }

    func run() async throws {
        var options = global
        if options.logLevel == .warning { options.logLevel = .info }
        options.bootstrapLogging()
        let logger = Logger(label: "udtraek.serve")
        let clock = RuntimeClock.system
        let executor = BlockingExecutor.shared
        let store = try Store(stateDirectory: global.stateDirectory)
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        let lock = try StateLock(stateDirectory: global.stateDirectory, exclusive: true)
        let runner = ExtractRunner(store: store, stateDirectory: global.stateDirectory, logger: logger, clock: clock)
        let delivery = DeliveryWorker(delivery: DeliveryService(store: store, logger: Logger(label: "udtraek.delivery"), clock: clock),
                                      poll: .clampedSeconds(poll), clock: clock, logger: Logger(label: "udtraek.delivery"))
        let router = FileRouter(store: store, stateDirectory: global.stateDirectory, logger: Logger(label: "udtraek.routing"),
                                clock: clock, executor: executor, accepted: { delivery.nudge() })
        let recovered = try await executor.run {
            try runner.recoverAtStartup()
                + store.recoverInterruptedDeliveries(now: clock.date, isAlive: ProcessOwner.isAlive).map { "delivery of \($0.fileName) to \($0.system) was interrupted; queued again" }
                + router.recoverAtStartup()
        }
        for line in recovered { logger.notice("\(line)") }
        // Crash: interrupted runs and deliveries settled, Spool/ cleaned.
        CrashPoint.reach("serve.recovered")
        lock.downgrade()
        defer { withExtendedLifetime(lock) {} }

        let scheduler = ExtractScheduler(store: store, runner: runner, logger: Logger(label: "udtraek.scheduler"),
                                         maxConcurrentRuns: concurrentRuns, clock: clock)
        let monitor = PickupMonitor(store: store, logger: Logger(label: "udtraek.monitor"), clock: clock, executor: executor)
        let webhooks = WebhookSender(store: store, clock: clock, executor: executor)
        scheduler.extractNotProduced = { extract, slot, reason in
            do { _ = try monitor.extractMissed(extract: extract, slot: slot, reason: reason) } catch {
                logger.error("cannot raise the missing-extract alarm for \(extract): \(error)")
            }
        }
        let changes = ChangeExecutorService(executor: ChangeExecutor(store: store, logger: Logger(label: "udtraek.changes"),
                                                                     clock: clock, executor: executor))
        if once {
            try await scheduler.runOnce()
            // Crash: due slots decided and their runs produced.
            CrashPoint.reach("serve.scheduled")
            let changed = try await changes.executor.runDue()
            logger.notice("change orders: completed \(changed.completed.count), failed \(changed.failed.count), old keys retired \(changed.retiredKeys.count), old certificates retired \(changed.retiredCertificates.count)")
            // Crash: due change orders carried out.
            CrashPoint.reach("serve.changes-done")
            // Senders' files are taken before the delivery, so one run routes and delivers them...
            let routed = try await router.runPass(force: true)
            // Crash: senders' folders read, their triggered files accepted or refused.
            CrashPoint.reach("serve.routed")
            try await delivery.deliverDue()
            // Crash: the due outbox entries delivered.
            CrashPoint.reach("serve.delivered")
            // ...and their receipts say so after it.
            let settled = try await router.runPass(force: true)
            router.close()
            logger.notice("file transfer: \(routed.accepted + settled.accepted) accepted, \(routed.rejected + settled.rejected) refused, \(settled.finished) delivered to every recipient")
            let pass = try await monitor.runPass()
            monitor.close()
            let sent = try await webhooks.sendDue()
            // Crash: the monitor pass and its webhooks done.
            CrashPoint.reach("serve.monitored")
            logger.notice("monitor pass: \(pass.watched) files watched; \(sent) webhooks sent")
            return
        }

        var services: [(name: String, service: any Service)] = [
            ("the scheduler", scheduler), ("the delivery worker", delivery),
            ("the pickup monitor", PickupMonitorService(monitor: monitor, sender: webhooks)),
            ("the change-order executor", changes),
            ("the file router", FileRouterService(router: router, clock: clock, logger: Logger(label: "udtraek.routing"))),
        ]
        let desk = AdministrationDesk(store: store, clock: clock, keyDirectory: AdminAPI.registeredKeyDirectory(store))
        let usageLogger = Logger(label: "udtraek.usage")
        services.append(("the usage-ceiling check", PeriodicService(name: "usage ceilings", clock: clock, logger: usageLogger, pass: {
            // A ceiling notifies and never blocks; a failed check is tried again next hour.
            do {
                for notice in try await BlockingExecutor.shared.run({ try desk.noticeExceededCeilings() }) {
                    usageLogger.notice("\(notice.subject)", metadata: ["organisation": "\(notice.organisation)"])
                }
            } catch {
                usageLogger.warning("checking usage ceilings failed: \(error)")
            }
            return .seconds(3600)
        })))
        let api = try store.apiSettings()
        if let listen = api.listen {
            let tokens: OperatorTokens
            do { tokens = try OperatorTokens(api.tokens) } catch { throw Failure("the admin API cannot start: \(error)") }
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw Failure("the admin API cannot start: api.listen '\(listen)' is not HOST:PORT; fix it and run `udtraek config apply`")
            }
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let admin = AdminAPI(store: store, runner: runner, tokens: tokens, logger: Logger(label: "udtraek.api"),
                                 metrics: metrics, runRequested: { scheduler.nudge() },
                                 changeSubmitted: { changes.nudge() }, clock: clock, desk: desk)
            services.append(("the admin API on \(listen)", admin.application(host: host, port: port)))
            logger.notice("admin API on http://\(listen)/api/v1")
        }
        if try store.configuration().gateway.settings != nil {
            let gateway: GatewayServer
            do {
                gateway = try GatewayServer(store: store, logger: Logger(label: "udtraek.gateway"),
                                            alarms: MonitorBreachAlarms(monitor: monitor, logger: logger))
                services.append(("the lookup gateway", try gateway.makeApplication()))
            } catch {
                throw Failure("the lookup gateway cannot start: \(error)")
            }
            let s = gateway.settings
            logger.notice("lookup gateway on \(s.plainHTTP ? "http" : "https")://\(s.host):\(s.port)")
        }
        try await Self.runGroup(services, grace: .clampedSeconds(grace), logger: logger, ready: "serving \(global.stateDirectory)")
        logger.notice("stopped")
    }

    /// Runs the services as one group that stops on SIGTERM/SIGINT, with a cap on how long
    /// stopping may take; throws `ExitCode.failure` (the cause already logged) when a
    /// service failed.
    static func runGroup(_ services: [(name: String, service: any Service)], grace: Duration, logger: Logger,
                         ready: String) async throws {
        let failures = FirstFailure(logger: logger)
        var configured = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: ReportedService(name: $0.name, service: $0.service, failures: failures))
        }
        configured.append(.init(service: ShutdownWatchdog(grace: grace, afterFailure: min(grace, .seconds(5)), logger: logger,
                                                          ready: ready)))
        var configuration = ServiceGroupConfiguration(services: configured, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger)
        // Work in flight gets most of the grace period; then the group cancels what is
        // left, and the watchdog ends the process at the full period.
        configuration.maximumGracefulShutdownDuration = grace * 0.75
        do {
            try await ServiceGroup(configuration: configuration).run()
            HardExitTimer.disarm()
        } catch {
            HardExitTimer.disarm()
            if !failures.hasFailed { failures.record("serve", error) }
            throw ExitCode.failure
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
