import Foundation
import Logging
import Runtime
import SFTPClient
import Store
import Synchronization

/// Tunables of the monitor that are not operator configuration.
public struct MonitorOptions: Sendable {
    public var connectTimeout: Duration
    public var operationTimeout: Duration
    /// Inbox hosts polled at the same time (the pass's own thread and free executor threads,
    /// each host by one thread, one session at a time).
    public var parallelHosts: Int
    /// Idle sessions kept per host for receivers polled with their own keys.
    public var maxSessionsPerHost: Int

    public init(connectTimeout: Duration = .seconds(10), operationTimeout: Duration = .seconds(30),
                parallelHosts: Int = 4, maxSessionsPerHost: Int = 64) {
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.parallelHosts = parallelHosts
        self.maxSessionsPerHost = maxSessionsPerHost
    }
}

/// What one pass did.
public struct PassReport: Sendable {
    public var tracked = 0
    public var watched = 0
    public var inboxes = 0
    public var collectedOnTime = 0
    public var collectedLate = 0
    public var warned = 0
    public var breached = 0
    public var expired = 0
    /// Systems whose inbox could not be read.
    public var unreachable: [String] = []
    public var notices: [AlarmNotice] = []
    /// SSH sessions opened by this monitor since it started.
    public var sessionsOpened = 0
    public var seconds = 0.0
}

/// Watches delivered files until they are collected: tracks every successful delivery,
/// reads the inboxes over SFTP (pooled sessions, one worker per host), drives each file's
/// state machine, removes files past retention, and raises and resolves alarms, all
/// recorded in SQLite so a restart picks up exactly where the last pass ended.
///
/// Every date it judges by (deadlines, warnings, reminders, retention) is the clock's
/// wall-clock date at the start of the pass; the pass's duration is measured on its
/// monotonic time, so a stepped system clock moves the judgement, not the figures.
public final class PickupMonitor: Sendable {
    public let store: Store
    let options: MonitorOptions
    let logger: Logger
    let environment: [String: String]
    /// The source of every date the monitor judges by and of its timings.
    public let clock: RuntimeClock
    /// Where passes run (libssh2 and SQLite block), with the hosts polled side by side.
    public let executor: BlockingExecutor
    public let schedule: PickupSchedule
    let sessions: InboxSessions
    let metrics = MonitorMetrics()
    /// Held for a whole pass: passes never overlap.
    private let passLock = Mutex(())

    public init(store: Store, options: MonitorOptions = MonitorOptions(), logger: Logger = Logger(label: "udtraek.monitor"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                schedule: PickupSchedule = PickupSchedule(), clock: RuntimeClock = .system,
                executor: BlockingExecutor = .shared) {
        self.store = store
        self.options = options
        self.logger = logger
        self.environment = environment
        self.schedule = schedule
        self.clock = clock
        self.executor = executor
        self.sessions = InboxSessions(environment: environment, connectTimeout: options.connectTimeout,
                                      operationTimeout: options.operationTimeout, maxPerHost: options.maxSessionsPerHost,
                                      logger: logger, keyOverlap: { try? store.keyOverlap(system: $0) })
    }

    deinit { sessions.closeAll() }

    /// SSH sessions opened since this monitor was made.
    public var sessionsOpened: Int { sessions.sessionsOpened }

    /// Closes the pooled sessions (at shutdown).
    public func close() { sessions.closeAll() }

    /// One pass, run as an executor job (libssh2 and SQLite block).
    public func runPass(now: Date? = nil) async throws -> PassReport {
        try await executor.run { try self.runPassBlocking(now: now) }
    }

    /// The time between passes: `poll_interval` as the state says now (so `config apply`
    /// takes effect at the next pass without a restart), or a minute when it cannot be read.
    public func pollInterval() async -> Duration {
        let seconds = try? await executor.run { [store] in try store.configuration().monitoring.settings.pollIntervalSeconds }
        return .seconds(max(1, seconds ?? 60))
    }

    /// The monitor's loop: a pass at once, then one every `poll_interval` on the monitor's
    /// clock (monotonic: a stepped wall clock neither adds nor skips a pass), until graceful
    /// shutdown or cancellation; the pooled sessions are closed when it ends. A failed pass
    /// is logged and tried again at the next poll.
    public func periodicService(logger: Logger) -> PeriodicService {
        PeriodicService(name: "pickup monitor", clock: clock, logger: logger, pass: { [self] in
            do {
                let report = try await runPass()
                logger.debug("monitor pass", metadata: ["monitor.watched": "\(report.watched)", "monitor.seconds": "\(report.seconds)"])
            } catch is CancellationError {
                // Stopping before the pass started: nothing was done.
            } catch {
                logger.error("monitor pass failed: \(error); trying again at the next poll")
            }
            return await pollInterval()
        }, onStop: { [self] in
            close()
            logger.notice("pickup monitor stopped")
        })
    }

    /// One pass on the calling thread, which may block. Passes never overlap.
    @discardableResult
    public func runPassBlocking(now: Date? = nil) throws -> PassReport {
        try passLock.withLock { _ throws -> PassReport in try pass(now: now) }
    }

    private func pass(now: Date?) throws -> PassReport {
        let started = clock.now
        let now = now ?? clock.date
        var report = PassReport()
        let config = try store.configuration()
        let monitoring = config.monitoring
        let systems = Dictionary(config.systems.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let notifier = AlarmNotifier(webhooks: monitoring.settings.webhooks, logger: logger)

        // Crash: a pass began; nothing read from the inboxes.
        CrashPoint.reach("monitor.pass-started")
        report.tracked = try trackNewDeliveries(monitoring, now: now)
        // Crash: new deliveries are tracked as pickups (their own transaction).
        CrashPoint.reach("monitor.tracked")
        let active = try store.activePickups()
        report.watched = active.count

        // Read every inbox that has files to watch, and every monitored one (to notice an
        // unreachable inbox before a file is waiting in it), and every sender's folder (files
        // for other systems wait there; the router cannot take them from a server it cannot reach).
        let bySystem = Dictionary(grouping: active, by: \.system)
        let senders = config.systems.filter { $0.sender != nil }.map(\.name)
        let names = Set(bySystem.keys).union(monitoring.receivers.map(\.system)).union(senders).sorted()
        var targets: [String: InboxTarget] = [:]
        for name in names {
            guard let system = systems[name] else { continue }
            var folders = Set((bySystem[name] ?? []).map { ($0.remotePath as NSString).deletingLastPathComponent })
            if bySystem[name] != nil || monitoring.receiver(name) != nil || system.sender == nil { folders.insert(system.inboxPath) }
            if let sender = system.sender { folders.insert(sender.path) }
            var ordered = folders.sorted()
            if let r = monitoring.receiver(name), r.signal == .moved, let moved = r.movedTo { ordered.append(moved) }
            targets[name] = InboxTarget.make(system: system, logins: monitoring.settings.logins, directories: ordered)
        }
        report.inboxes = targets.count
        let poller = InboxPoller(sessions: sessions, parallelHosts: options.parallelHosts, executor: executor)
        let listings = poller.list(Array(targets.values))
        // Crash: the inboxes are listed; nothing decided.
        CrashPoint.reach("monitor.listed")
        report.unreachable = listings.values.filter { $0.error != nil }.map(\.system).sorted()

        var changed: [PickupRecord] = []
        var alarmChanges: [AlarmChange] = []
        var expiring: [PickupRecord] = []
        for pickup in active {
            // Retention began removing it in a pass that did not finish: finish that
            // (removing again is harmless), whatever the inbox shows now.
            if pickup.removedAt != nil {
                expiring.append(pickup)
                continue
            }
            let observation = observe(pickup, listings[pickup.system], monitoring.receiver(pickup.system), now: now)
            var machine = PickupStateMachine(state: pickup.state, times: PickupTimes(warnAt: pickup.warnAt, deadline: pickup.deadline,
                                                                                     expiresAt: pickup.expiresAt))
            let events = machine.advance(now: now, observation: observation)
            guard !events.isEmpty else { continue }
            if events.contains(.expired) { expiring.append(pickup); continue }
            var updated = pickup
            updated.state = machine.state
            updated.updatedAt = now
            for event in events {
                switch event {
                case .warned: report.warned += 1
                case .breached: report.breached += 1
                case .collected(let onTime, let at, let detail):
                    updated.collectedAt = at
                    updated.collectionDetail = detail
                    if onTime { report.collectedOnTime += 1 } else { report.collectedLate += 1 }
                    metrics.pickedUp(system: pickup.system, outcome: onTime ? "on_time" : "late")
                case .expired: break
                }
            }
            changed.append(updated)
            alarmChanges += AlarmPlanner.changes(for: events, pickup: updated, now: now)
        }

        // Retention: never a file that is being uploaded again under the same name.
        var audits: [AuditEntry] = []
        var removals: [(target: InboxTarget, paths: [String])] = []
        var removable: [PickupRecord] = []
        for pickup in expiring {
            guard let target = targets[pickup.system] else { continue }
            if try store.uploadInProgress(system: pickup.system, fileName: pickup.fileName) {
                logger.notice("retention of \(pickup.fileName) for \(pickup.system) waits: an upload of the same name is in progress")
                continue
            }
            removals.append((target, [pickup.remotePath, pickup.remotePath + ".metadata"]))
            removable.append(pickup)
        }
        // Crash: files past retention are chosen; none marked, none removed.
        if !removals.isEmpty { CrashPoint.reach("retention.before-remove") }
        try store.markRetentionStarted(removable.filter { $0.removedAt == nil }.compactMap(\.id), now: now)
        // Crash: marked as being removed by retention; the files still there.
        if !removals.isEmpty { CrashPoint.reach("retention.marked") }
        let removed = removals.isEmpty ? [:] : poller.remove(removals)
        // Crash: the files are gone from the inbox; no pickup row, audit row or alarm says so.
        if !removals.isEmpty { CrashPoint.reach("retention.after-remove") }
        for pickup in removable {
            let outcome = removed[pickup.system] ?? [:]
            let failures = [pickup.remotePath, pickup.remotePath + ".metadata"].compactMap { outcome[$0] ?? "not attempted" }
            guard failures.isEmpty else {
                logger.error("retention could not remove \(pickup.remotePath) for \(pickup.system): \(failures.joined(separator: "; ")); trying again next pass")
                continue
            }
            var updated = pickup
            updated.state = .expired
            updated.removedAt = now
            updated.updatedAt = now
            updated.collectionDetail = "removed by retention"
            changed.append(updated)
            report.expired += 1
            metrics.pickedUp(system: pickup.system, outcome: "expired")
            alarmChanges += AlarmPlanner.changes(for: [.expired], pickup: updated, now: now)
            audits.append(AuditEntry(at: now, actor: "monitor", action: "pickup.retention", subject: "\(pickup.system) \(pickup.remotePath)",
                                     detail: "not collected since \(AlarmPlanner.iso(pickup.deliveredAt)); retention ended \(AlarmPlanner.iso(pickup.expiresAt)); removed the file and its .metadata"))
        }

        let openAlarms = try store.alarms(openOnly: true, limit: 1_000_000)
        let (statuses, healthChanges) = try inboxHealth(targets: targets, listings: listings, settings: monitoring.settings,
                                                        openAlarms: openAlarms, now: now)
        alarmChanges += healthChanges
        alarmChanges += try deliveryFailures(settings: monitoring.settings, openAlarms: openAlarms, now: now)
        alarmChanges += AlarmPlanner.reminders(openAlarms, now: now)

        // Crash: everything decided; the pickup rows, audit rows and alarms not yet written.
        CrashPoint.reach("monitor.before-record")
        report.notices = try store.applyMonitorPass(pickups: changed, statuses: statuses, alarms: alarmChanges, audits: audits,
                                                    now: now, notify: { notifier.webhookRows($0) })
        // Crash: pickups, the retention audit row and the alarm (with its webhook rows) committed together.
        CrashPoint.reach("monitor.after-record")
        report.notices.forEach(notifier.log)
        let stillActive = try store.activePickups()
        metrics.update(active: stillActive, openAlarms: try store.alarms(openOnly: true, limit: 1_000_000), now: now)
        report.sessionsOpened = sessions.sessionsOpened
        metrics.sessionsOpened(report.sessionsOpened)
        report.seconds = started.duration(to: clock.now).inSeconds
        metrics.passDuration(report.seconds)
        return report
    }

    /// Starts watching deliveries that succeeded since the last pass.
    private func trackNewDeliveries(_ monitoring: MonitoringConfiguration, now: Date) throws -> Int {
        let fresh = try store.untrackedDeliveries()
        guard !fresh.isEmpty else { return 0 }
        let pickups = fresh.map { d -> PickupRecord in
            let receiver = monitoring.receiver(d.system)
            let rule = receiver.flatMap { FileNamePattern.firstRule($0.rules, pattern: \.pattern, for: d.fileName) }
            let retention = receiver?.retentionSeconds ?? monitoring.settings.defaultRetentionSeconds
            let deliveredAt = d.finishedAt ?? d.startedAt
            let times = schedule.times(rule: rule, deliveredAt: deliveredAt, retentionSeconds: retention)
            return PickupRecord(deliveryId: d.id ?? 0, system: d.system, fileName: d.fileName, remotePath: d.remotePath,
                                rulePattern: rule?.pattern, signal: receiver?.signal ?? .deleted, deliveredAt: deliveredAt,
                                warnAt: times.warnAt, deadline: times.deadline, expiresAt: times.expiresAt,
                                repeatEverySeconds: rule?.repeatEverySeconds, updatedAt: now)
        }
        try store.startTracking(pickups, now: now)
        return pickups.count
    }

    /// What the listing says about one file under the receiver's pickup signal.
    func observe(_ pickup: PickupRecord, _ listing: InboxListing?, _ receiver: ReceiverMonitoring?, now: Date) -> PickupObservation {
        guard let listing, listing.error == nil else { return .unknown }
        let folder = (pickup.remotePath as NSString).deletingLastPathComponent
        guard let entries = listing.folders[folder] else { return .unknown }
        let signal = receiver?.signal ?? pickup.signal
        guard let entry = entries[pickup.fileName] else {
            if signal == .moved, let moved = receiver?.movedTo {
                let found = listing.folders[moved]?[pickup.fileName] != nil
                return .collected(at: now, detail: found ? "moved to \(moved)" : "gone from \(folder), not found in \(moved)")
            }
            return .collected(at: now, detail: "deleted from \(folder)")
        }
        switch signal {
        case .read:
            if let atime = entry.accessTime, Double(atime) > pickup.deliveredAt.timeIntervalSince1970.rounded(.down) {
                return .collected(at: Date(timeIntervalSince1970: Double(atime)), detail: "read (access time \(AlarmPlanner.iso(Date(timeIntervalSince1970: Double(atime)))))")
            }
        case .receipt:
            let receiptName = pickup.fileName + (receiver?.receiptSuffix ?? ".receipt")
            if let receipt = entries[receiptName] {
                let at = receipt.modificationTime.map { Date(timeIntervalSince1970: Double($0)) } ?? now
                return .collected(at: min(at, now), detail: "receipt \(receiptName)")
            }
        case .deleted, .moved:
            break
        }
        return .present
    }

    /// Reachability per host (connection-level failures) and per receiver login.
    private func inboxHealth(targets: [String: InboxTarget], listings: [String: InboxListing], settings: MonitoringSettings,
                             openAlarms: [AlarmRecord], now: Date) throws -> ([InboxStatus], [AlarmChange]) {
        let previous = Dictionary(try store.inboxStatuses().map { ($0.subject, $0) }, uniquingKeysWith: { a, _ in a })
        var statuses: [InboxStatus] = []
        var changes: [AlarmChange] = []
        func record(_ subject: String, _ error: SFTPError?, system: String?) {
            let (status, c) = InboxHealth.update(subject: subject, previous: previous[subject], error: error, now: now,
                                                 unreachableAfterSeconds: settings.unreachableAfterSeconds,
                                                 repeatEverySeconds: settings.repeatEverySeconds, system: system, openAlarms: openAlarms)
            // Rows for healthy inboxes are written only when they change, not every pass.
            if previous[subject]?.reachable != status.reachable || !status.reachable { statuses.append(status) }
            changes += c
        }
        for (host, hostTargets) in Dictionary(grouping: targets.values, by: \.host) {
            let results = hostTargets.compactMap { listings[$0.system] }
            let hostError = results.compactMap(\.error).first(where: \.hostWide)
            record(host, hostError?.error, system: nil)
            for r in results where hostError == nil {
                let subject = "system:\(r.system)"
                if let e = r.error, !e.hostWide { record(subject, e.error, system: r.system) } else if previous[subject] != nil {
                    record(subject, nil, system: r.system)
                }
            }
        }
        return (statuses, changes)
    }

    /// A system whose deliveries keep failing (or wait in `error` for an operator).
    private func deliveryFailures(settings: MonitoringSettings, openAlarms: [AlarmRecord], now: Date) throws -> [AlarmChange] {
        let streaks = try store.deliveryFailureStreaks()
        var changes: [AlarmChange] = []
        var failing = Set<String>()
        for s in streaks where s.failures >= settings.deliveryFailureThreshold || s.stuckInError > 0 {
            failing.insert(s.system)
            // One alarm per episode: while one is open nothing is raised. The episode is
            // named by the failure that (re)starts it, so a system failing again after its
            // alarm resolved (a held file released and refused again) raises a new alarm
            // instead of being deduplicated against the resolved one for ever.
            if openAlarms.contains(where: { $0.kind == .deliveryFailing && $0.system == s.system }) { continue }
            let why = s.stuckInError > 0 ? "\(s.stuckInError) file(s) wait in the outbox in state error" : "\(s.failures) failed attempts in a row"
            changes.append(.raise(AlarmRecord(dedupKey: "delivery:\(s.system):\(s.lastDeliveryId)", kind: .deliveryFailing,
                                              severity: .critical, system: s.system,
                                              summary: "deliveries to \(s.system) are failing: \(why); last error: \(s.lastError)",
                                              raisedAt: now, repeatEverySeconds: settings.repeatEverySeconds),
                                  detail: s.lastError))
        }
        for alarm in openAlarms where alarm.kind == .deliveryFailing && !failing.contains(alarm.system ?? "") {
            changes.append(.resolve(dedupKey: alarm.dedupKey, resolution: "recovered", detail: "deliveries to \(alarm.system ?? "?") succeed again"))
        }
        return changes
    }

    // MARK: Hooks for the scheduler and operators

    /// The scheduler calls this when a scheduled extract did not produce its file for a
    /// slot. Raised once per (extract, slot); resolved when an operator acknowledges it.
    @discardableResult
    public func extractMissed(extract: String, slot: Date, reason: String, now: Date? = nil) throws -> AlarmNotice? {
        let now = now ?? clock.date
        let config = try store.configuration()
        let system = config.extracts.first { $0.name == extract }?.system
        let notifier = AlarmNotifier(webhooks: config.monitoring.settings.webhooks, logger: logger)
        let alarm = AlarmRecord(dedupKey: "extract:\(extract):\(Int(slot.timeIntervalSince1970))", kind: .extractMissing,
                                severity: .critical, system: system,
                                summary: "extract \(extract) did not produce its file for \(AlarmPlanner.iso(slot)): \(reason)",
                                raisedAt: now, repeatEverySeconds: config.monitoring.settings.repeatEverySeconds)
        let notices = try store.applyMonitorPass(pickups: [], alarms: [.raise(alarm, detail: reason)], now: now,
                                                 notify: { notifier.webhookRows($0) })
        notices.forEach(notifier.log)
        return notices.first
    }

    /// The gateway calls this when a service's share of calls beyond its service target
    /// passes the configured threshold. One alarm per service and day (Copenhagen), so a
    /// bad afternoon is one incident, not one per call; resolved by acknowledgement.
    @discardableResult
    public func serviceTargetBreached(service: String, breaches: Int, calls: Int, share: Double, threshold: Double,
                                      now: Date? = nil) throws -> AlarmNotice? {
        let now = now ?? clock.date
        let config = try store.configuration()
        let notifier = AlarmNotifier(webhooks: config.monitoring.settings.webhooks, logger: logger)
        let day = String(AlarmPlanner.iso(now).prefix(10))
        let summary = String(format: "lookup service %@ missed its service target in %d of %d calls (%.1f%%, threshold %.1f%%)",
                             service, breaches, calls, share * 100, threshold * 100)
        let alarm = AlarmRecord(dedupKey: "gateway:\(service):\(day)", kind: .serviceTargetBreaches, severity: .critical,
                                system: nil, summary: summary, raisedAt: now,
                                repeatEverySeconds: config.monitoring.settings.repeatEverySeconds)
        let notices = try store.applyMonitorPass(pickups: [], alarms: [.raise(alarm, detail: summary)], now: now,
                                                 notify: { notifier.webhookRows($0) })
        notices.forEach(notifier.log)
        return notices.first
    }

    /// An operator acknowledges an alarm: reminders stop; it still resolves when its cause clears.
    @discardableResult
    public func acknowledge(alarmId: Int64, by actor: String, note: String = "", now: Date? = nil) throws -> [AlarmNotice] {
        let webhooks = try store.configuration().monitoring.settings.webhooks
        let notifier = AlarmNotifier(webhooks: webhooks, logger: logger)
        let notices = try store.acknowledgeAlarm(id: alarmId, by: actor, note: note, now: now ?? clock.date,
                                                 notify: { notifier.webhookRows($0) })
        notices.forEach(notifier.log)
        return notices
    }
}
