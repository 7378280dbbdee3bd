#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Monitoring
import Runtime
import SFTPClient
import Store
import Synchronization

/// Tunables of the router that are not operator configuration.
public struct RouterOptions: Sendable {
    public var connectTimeout: Duration
    public var operationTimeout: Duration
    /// Senders' hosts read at the same time (each host by one thread, one session at a time).
    public var parallelHosts: Int
    /// A trigger that does not parse and was written less than this ago is left for the next
    /// pass: the sender may still be writing it (a complete trigger always parses).
    public var settleSeconds: Double

    public init(connectTimeout: Duration = .seconds(10), operationTimeout: Duration = .seconds(30), parallelHosts: Int = 4,
                settleSeconds: Double = 10) {
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.parallelHosts = parallelHosts
        self.settleSeconds = settleSeconds
    }
}

/// What one pass did.
public struct RoutingReport: Sendable, Equatable {
    public var senders = 0
    public var accepted = 0
    public var rejected = 0
    /// Transfers whose every recipient now has the file.
    public var finished = 0
    public var receipts = 0
    /// Senders whose folder could not be read, with why.
    public var unreachable: [String] = []
}

/// Routes files between systems: reads every sender's `OUT/` folder over SFTP (the host's
/// monitoring login, or the sender's own key, as the pickup monitor reads inboxes), takes
/// each `NAME` whose `NAME.trigger` has arrived, checks it (`RoutingDecision`), copies it
/// once into Spool/ with its SHA-256, and commits one outbox entry per recipient in the
/// same transaction as the transfer; the delivery worker then places `IN/NAME` and
/// `IN/NAME.metadata` in each recipient's inbox with the existing atomic upload. Only
/// after that commit are `OUT/NAME` and its trigger removed (or moved), so a crash at any
/// step leaves the file either still with the sender (routed again) or with the platform
/// (delivered by the outbox), never both, never neither. The sender follows it in
/// `OUT/NAME.sftpreceipt`.
///
/// Blocking (libssh2, SQLite, file I/O): `runPassBlocking` belongs on a `BlockingExecutor` job.
public final class FileRouter: Sendable {
    public let store: Store
    /// `STATE/transfers`: one copy per accepted file, read by every recipient's delivery.
    public let spoolDirectory: String
    let clock: RuntimeClock
    let executor: BlockingExecutor
    let logger: Logger
    let options: RouterOptions
    let sessions: InboxSessions
    /// Called after a transfer was accepted (its outbox entries are due now).
    let accepted: @Sendable () -> Void
    private let lastPolled = Mutex<[String: RuntimeClock.Instant]>([:])
    /// Held for a whole pass: passes never overlap.
    private let passLock = Mutex(())

    public init(store: Store, stateDirectory: String, options: RouterOptions = RouterOptions(),
                logger: Logger = Logger(label: "udtraek.routing"),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared,
                accepted: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.spoolDirectory = (stateDirectory as NSString).appendingPathComponent("transfers")
        self.clock = clock
        self.executor = executor
        self.logger = logger
        self.options = options
        self.accepted = accepted
        self.sessions = InboxSessions(environment: environment, connectTimeout: options.connectTimeout,
                                      operationTimeout: options.operationTimeout, maxPerHost: 64, logger: logger,
                                      keyOverlap: { try? store.keyOverlap(system: $0) })
    }

    deinit { sessions.closeAll() }

    /// Closes the pooled sessions (at shutdown).
    public func close() { sessions.closeAll() }

    /// Removes what a crash left in `STATE/transfers`: temporary copies, and copies no open
    /// transfer needs. Call at start-up, before any pass (serve holds the state lock then).
    public func recoverAtStartup() throws -> [String] {
        let needed = try store.transferSpoolPaths()
        var report: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: spoolDirectory)) ?? [] {
            let path = (spoolDirectory as NSString).appendingPathComponent(name)
            guard name.hasPrefix(".tmp-") || !needed.contains(path) else { continue }
            try? FileManager.default.removeItem(atPath: path)
            report.append("removed leftover \(path)")
        }
        return report
    }

    /// One pass on the executor. `force` reads every sender now, whatever its poll interval;
    /// `shouldStop` is asked before each sender's file, so a stop lets the file in hand
    /// finish (its copy and commit) and takes no other.
    public func runPass(force: Bool = false, shouldStop: @escaping @Sendable () -> Bool = { false }) async throws -> RoutingReport {
        try await executor.run { try self.runPassBlocking(force: force, shouldStop: shouldStop) }
    }

    /// How long until the next pass: the shortest poll interval of the senders, a minute
    /// when there are none (`config apply` may add one).
    public func pollInterval() async -> Duration {
        let seconds = try? await executor.run { [store] in
            try store.configuration().systems.compactMap(\.sender?.pollIntervalSeconds).min()
        }
        return .seconds(max(1, (seconds ?? nil) ?? 60))
    }

    /// One pass on the calling thread, which may block. Passes never overlap.
    @discardableResult
    public func runPassBlocking(force: Bool = true, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> RoutingReport {
        try passLock.withLock { _ throws -> RoutingReport in try pass(force: force, shouldStop: shouldStop) }
    }

    private func pass(force: Bool, shouldStop: @escaping @Sendable () -> Bool) throws -> RoutingReport {
        let config = try store.configuration()
        let instant = clock.now
        let polled = lastPolled.withLock { $0 }
        let senders = config.systems.filter { system in
            guard let s = system.sender else { return false }
            return force || polled[system.name].map { $0.duration(to: instant) >= .seconds(s.pollIntervalSeconds) } ?? true
        }
        let targets = senders.map { s in
            (s, InboxTarget.make(system: s, logins: config.monitoring.settings.logins, directories: [s.sender?.path ?? "OUT"]))
        }
        let byHost = Dictionary(grouping: targets, by: { $0.1.host }).sorted { $0.key < $1.key }
        let report = Mutex(RoutingReport())
        let context = PassContext(config: config, now: clock.date, shouldStop: shouldStop)
        executor.forEach(count: byHost.count, width: options.parallelHosts) { [self] i in
            let host = sessions.host(byHost[i].key)
            for (sender, target) in byHost[i].value where !shouldStop() {
                do {
                    let part = try host.with(target.login) { sftp in try self.route(sender, target: target, sftp: sftp, context) }
                    report.withLock { $0.merge(part) }
                } catch {
                    logger.error("cannot read the folder of sender \(sender.name): \(error); trying again next pass")
                    report.withLock { $0.unreachable.append("\(sender.name): \(error)") }
                }
                lastPolled.withLock { $0[sender.name] = instant }
            }
        }
        var result = report.withLock { $0 }
        result.senders = senders.count
        result.unreachable.sort()
        RoutingMetrics.record(result)
        return result
    }

    /// What every sender of a pass is judged against.
    struct PassContext: Sendable {
        var config: ConfigurationSnapshot
        var now: Date
        var systems: [String: ReceiverSystem]
        var shouldStop: @Sendable () -> Bool

        init(config: ConfigurationSnapshot, now: Date, shouldStop: @escaping @Sendable () -> Bool) {
            self.config = config
            self.now = now
            self.shouldStop = shouldStop
            systems = Dictionary(config.systems.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// One sender's folder: new triggers, clean-up an interrupted pass left, files without a
    /// trigger, and the receipts of its transfers on their way.
    private func route(_ sender: ReceiverSystem, target: InboxTarget, sftp: SFTPSession, _ context: PassContext) throws -> RoutingReport {
        guard let settings = sender.sender else { return RoutingReport() }
        let folder = SenderFolder(sftp: sftp, root: target.rootPrefix, settings: settings)
        var report = RoutingReport()
        let listing = try folder.list()
        let awaiting = try store.transfersAwaitingCleanup(sender: sender.name)
        var triggered = Set<String>()
        for triggerName in listing.keys.sorted() where triggerName.hasSuffix(SenderFolder.triggerSuffix) && !context.shouldStop() {
            let name = String(triggerName.dropLast(SenderFolder.triggerSuffix.count))
            guard !name.isEmpty else { continue }
            triggered.insert(name)
            if let transfer = awaiting[name] {
                try finishIntake(transfer, folder: folder, context)
                continue
            }
            switch try intake(name, trigger: listing[triggerName], file: listing[name], sender: sender, folder: folder, context) {
            case .accepted: report.accepted += 1
            case .rejected: report.rejected += 1
            case .skipped: break
            }
        }
        // A pass that died between removing the trigger and the file.
        for (name, transfer) in awaiting where !triggered.contains(name) { try finishIntake(transfer, folder: folder, context) }
        let untriggered = listing.filter { name, _ in
            !name.hasSuffix(SenderFolder.triggerSuffix) && !name.hasSuffix(ReceiptDocument.suffix)
                && !triggered.contains(name) && awaiting[name] == nil
        }
        report.rejected += try watchUntriggered(untriggered, sender: sender, folder: folder, context)
        report.receipts += try settle(sender: sender, folder: folder, context, report: &report)
        return report
    }

    enum Intake { case accepted, rejected, skipped }

    private func intake(_ name: String, trigger: SFTPFileAttributes?, file: SFTPFileAttributes?, sender: ReceiverSystem,
                        folder: SenderFolder, _ context: PassContext) throws -> Intake {
        let fingerprint = "trigger:\(trigger?.size ?? 0):\(trigger?.modificationTime ?? 0)|file:"
            + (file.map { "\($0.size ?? 0):\($0.modificationTime ?? 0)" } ?? "absent")
        if try store.refusalExists(sender: sender.name, fileName: name, fingerprint: fingerprint) { return .skipped }
        let text = try folder.read(name + SenderFolder.triggerSuffix, limit: TriggerDocument.maximumBytes + 1)
        // Crash: a trigger read; nothing recorded, nothing copied.
        CrashPoint.reach("routing.trigger-read")
        let document: TriggerDocument
        switch TriggerDocument.parse(text) {
        case .failure(let problems):
            let written = Double(trigger?.modificationTime ?? 0)
            if abs(context.now.timeIntervalSince1970 - written) < options.settleSeconds { return .skipped }
            try reject(name, sender: sender, trigger: nil, reasons: problems.reasons.map { RoutingReason("malformed-trigger", $0) },
                       fingerprint: fingerprint, folder: folder, context)
            return .rejected
        case .success(let parsed):
            document = parsed
        }
        let routedBefore = try store.routedTransfer(sender: sender.name, sendersFileId: document.sendersFileId)
        let decision = RoutingDecision.decide(trigger: document, seen: .init(name: name, fileSize: file?.size.map { Int64($0) }),
                                              sender: sender, systems: context.systems, agreements: context.config.agreements,
                                              routedBefore: routedBefore)
        guard decision.accepted else {
            try reject(name, sender: sender, trigger: document, reasons: decision.reasons, fingerprint: fingerprint,
                       folder: folder, context)
            return .rejected
        }
        let copy = try SpoolCopy.take(from: folder, name: name, into: spoolDirectory, limit: document.sizeInBytes)
        // Crash: the copy is complete in Spool/ (fsynced, renamed); no transfer row: start-up removes it, the sender's file is routed again.
        CrashPoint.reach("routing.copied")
        guard copy.bytes == document.sizeInBytes else {
            try? FileManager.default.removeItem(atPath: copy.path)
            try reject(name, sender: sender, trigger: document,
                       reasons: [RoutingReason("size-mismatch", "SizeInBytes is \(document.sizeInBytes) but \(copy.bytes) bytes were read from \(name.displaySafe(limit: 80)): it changed after its trigger was written; upload the whole file, then the trigger")],
                       fingerprint: fingerprint, folder: folder, context)
            return .rejected
        }
        let now = context.now
        let transferUUID = UUID().uuidString.lowercased()
        let transfer = TransferRecord(sender: sender.name, fileName: name, sendersFileId: document.sendersFileId,
                                      fileTransferUUID: transferUUID, state: .accepted, bytes: copy.bytes, sha256: copy.sha256,
                                      localPath: copy.path, recipients: decision.deliveries.map(\.system), routing: document.routing,
                                      senderItSystem: document.senderItSystem ?? sender.uuid, senderTimestamp: document.senderTimestamp,
                                      receivedAt: now, updatedAt: now)
        let recipients = decision.deliveries.map(\.system).joined(separator: ", ")
        let (row, created) = try store.persisting {
            try store.acceptTransfer(transfer, deliveries: decision.deliveries.map { ($0.system, $0.agreementUUID) }, events: [
                ("received", "\(folder.path(name)) (\(copy.bytes) bytes, SHA-256 \(copy.sha256)) and its trigger from \(sender.name)"),
                ("checked", "Sender, name, size, recipients and agreements (InfRef \(document.routing.infRef ?? "-")) in order"),
                ("accepted", "queued for \(recipients); FileTransferUUID \(transferUUID)"),
            ], actor: "router")
        }
        guard created else {
            // The same SendersFileId was routed between our check and our commit.
            try? FileManager.default.removeItem(atPath: copy.path)
            try reject(name, sender: sender, trigger: document,
                       reasons: [RoutingReason("duplicate-senders-file-id", "SendersFileId \(document.sendersFileId) was routed already (transfer \(row.id ?? 0)); give every file its own SendersFileId")],
                       fingerprint: fingerprint, folder: folder, context)
            return .rejected
        }
        // Crash: the transfer and its outbox entries are committed; the sender's file and trigger still there.
        CrashPoint.reach("routing.accepted")
        logger.info("transfer accepted", metadata: ["transfer.id": "\(row.id ?? 0)", "transfer.sender": "\(sender.name)",
                                                    "transfer.file": "\(name)", "transfer.recipients": "\(recipients)"])
        accepted()
        try finishIntake(row, folder: folder, context)
        return .accepted
    }

    /// After acceptance: the `accepted` receipt, then the trigger and the file leave the
    /// sender's folder (removed, or moved to `move_to`), then the row says so. Every step
    /// may be repeated after a crash.
    private func finishIntake(_ transfer: TransferRecord, folder: SenderFolder, _ context: PassContext) throws {
        var transfer = transfer
        let receipt = ReceiptDocument.of(try store.transferSummary(id: transfer.id ?? 0) ?? TransferSummary(transfer: transfer, recipients: []),
                                         at: context.now)
        try folder.writeReceipt(receipt)
        // Crash: the accepted receipt is in place; the file and trigger still in the folder.
        CrashPoint.reach("routing.receipt-written")
        try folder.dispose(transfer.fileName + SenderFolder.triggerSuffix)
        // Crash: the trigger is gone (or moved); the file still there.
        CrashPoint.reach("routing.trigger-removed")
        try folder.dispose(transfer.fileName)
        // Crash: both gone from the folder; the row does not say so yet.
        CrashPoint.reach("routing.source-removed")
        transfer.sourceRemovedAt = context.now
        transfer.receiptStatus = receipt.statusLine
        let how = folder.settings.processed == .moveTo ? "moved to \(folder.settings.moveTo ?? "?")" : "removed"
        try store.persisting {
            try store.updateTransfer(transfer, events: [
                ("receipt", "\(folder.path(transfer.fileName + ReceiptDocument.suffix)): \(receipt.statusLine)"),
                ("source.\(folder.settings.processed == .moveTo ? "moved" : "removed")",
                 "\(folder.path(transfer.fileName)) and its trigger \(how)"),
            ], at: context.now)
        }
    }

    /// Records a refusal: the alarm (raised once per refused pair), the row, then the
    /// receipt. The file stays where the sender put it.
    private func reject(_ name: String, sender: ReceiverSystem, trigger: TriggerDocument?, reasons: [RoutingReason],
                        fingerprint: String, folder: SenderFolder, _ context: PassContext) throws {
        let text = reasons.map(\.text).joined(separator: "; ")
        let kind: AlarmKind = reasons.contains { $0.code == "missing-trigger" } ? .transferUntriggered : .transferRejected
        try raise(AlarmRecord(dedupKey: "\(kind.rawValue):\(sender.name):\(name):\(fingerprint)", kind: kind, severity: .warning,
                              system: sender.name, fileName: name,
                              summary: "\(folder.path(name)) from \(sender.name) was not routed: \(text)",
                              raisedAt: context.now, repeatEverySeconds: nil), context)
        let row = try store.persisting {
            try store.rejectTransfer(TransferRecord(
                sender: sender.name, fileName: name, sendersFileId: trigger?.sendersFileId, state: .rejected,
                recipients: trigger?.recipients ?? [], routing: trigger?.routing ?? RoutingInfo(), senderItSystem: trigger?.senderItSystem,
                senderTimestamp: trigger?.senderTimestamp, reasons: reasons.map(\.stored), fingerprint: fingerprint,
                receivedAt: context.now, updatedAt: context.now), events: [
                    ("received", "\(folder.path(name))" + (trigger == nil ? "" : " and its trigger") + " from \(sender.name)"),
                    ("rejected", text),
                ], actor: "router")
        }
        logger.warning("transfer rejected", metadata: ["transfer.id": "\(row.id ?? 0)", "transfer.sender": "\(sender.name)",
                                                       "transfer.file": "\(name.displaySafe(limit: 120))", "transfer.reasons": "\(text)"])
        // Crash: the refusal is recorded; its receipt is written by the next pass (`settle`).
        CrashPoint.reach("routing.rejected")
        try writeReceipt(of: row, folder: folder, context)
    }

    /// `OUT/NAME` without its trigger: left alone; once older than `untriggered_after` it is
    /// refused once (receipt and alarm) until the trigger comes, and the alarm resolves when
    /// the file is triggered or gone.
    private func watchUntriggered(_ files: [String: SFTPFileAttributes], sender: ReceiverSystem, folder: SenderFolder,
                                  _ context: PassContext) throws -> Int {
        var refused = 0
        let limit = Double(folder.settings.untriggeredAfterSeconds)
        var stillWaiting = Set<String>()
        for (name, attrs) in files.sorted(by: { $0.key < $1.key }) {
            guard let mtime = attrs.modificationTime, context.now.timeIntervalSince1970 - Double(mtime) >= limit else { continue }
            let fingerprint = "untriggered|file:\(attrs.size ?? 0):\(mtime)"
            stillWaiting.insert("\(AlarmKind.transferUntriggered.rawValue):\(sender.name):\(name):\(fingerprint)")
            if try store.refusalExists(sender: sender.name, fileName: name, fingerprint: fingerprint) { continue }
            try reject(name, sender: sender, trigger: nil, reasons: [RoutingReason(
                "missing-trigger", "no trigger \(folder.path(name + SenderFolder.triggerSuffix)) arrived within \(DurationText.format(folder.settings.untriggeredAfterSeconds)) of the file; the file is routed once its trigger is uploaded")],
                fingerprint: fingerprint, folder: folder, context)
            refused += 1
        }
        let open = try store.alarms(openOnly: true, system: sender.name, limit: 10_000)
            .filter { $0.kind == .transferUntriggered && !stillWaiting.contains($0.dedupKey) }
        if !open.isEmpty {
            try raise(open.map { .resolve(dedupKey: $0.dedupKey, resolution: "recovered",
                                          detail: "\(folder.path($0.fileName ?? "?")) got its trigger or was removed") }, context)
        }
        return refused
    }

    /// Rewrites the receipts of the sender's transfers on their way when what they say
    /// changed (a recipient delivered or failing), marks a transfer delivered once every
    /// recipient has it and removes its Spool/ copy; writes receipts a crash left unwritten.
    private func settle(sender: ReceiverSystem, folder: SenderFolder, _ context: PassContext, report: inout RoutingReport) throws -> Int {
        var written = 0
        for var transfer in try store.transfersNeedingReceipts(sender: sender.name) {
            guard let summary = try store.transferSummary(id: transfer.id ?? 0) else { continue }
            let done = transfer.state == .accepted && !summary.recipients.isEmpty
                && summary.recipients.allSatisfy { $0.outboxState == OutboxState.delivered.rawValue }
            var events: [(String, String)] = []
            if done {
                transfer.state = .delivered
                transfer.finishedAt = context.now
                events.append(("finished", "every recipient has \(transfer.fileName) with its metadata"))
            }
            let receipt = ReceiptDocument.of(TransferSummary(transfer: transfer, recipients: summary.recipients), at: context.now)
            if receipt.statusLine != transfer.receiptStatus {
                try folder.writeReceipt(receipt)
                written += 1
                events.append(("receipt", "\(folder.path(transfer.fileName + ReceiptDocument.suffix)): \(receipt.statusLine)"))
                transfer.receiptStatus = receipt.statusLine
            }
            guard !events.isEmpty else { continue }
            // Crash: the receipt says it; the row not yet (the receipt is written again).
            CrashPoint.reach("routing.before-finish")
            let final = transfer
            try store.persisting { try store.updateTransfer(final, events: events, at: context.now) }
            if done {
                report.finished += 1
                if let path = transfer.localPath { try? FileManager.default.removeItem(atPath: path) }
                logger.info("transfer delivered to every recipient", metadata: ["transfer.id": "\(transfer.id ?? 0)"])
            }
        }
        return written
    }

    private func writeReceipt(of transfer: TransferRecord, folder: SenderFolder, _ context: PassContext) throws {
        var transfer = transfer
        let receipt = ReceiptDocument.of(TransferSummary(transfer: transfer, recipients: []), at: context.now)
        try folder.writeReceipt(receipt)
        transfer.receiptStatus = receipt.statusLine
        let final = transfer
        try store.persisting {
            try store.updateTransfer(final, events: [("receipt", "\(folder.path(final.fileName + ReceiptDocument.suffix)): \(receipt.statusLine)")],
                                     at: context.now)
        }
    }

    private func raise(_ alarm: AlarmRecord, _ context: PassContext) throws {
        try raise([.raise(alarm, detail: alarm.summary)], context)
    }

    private func raise(_ changes: [AlarmChange], _ context: PassContext) throws {
        let notifier = AlarmNotifier(webhooks: context.config.monitoring.settings.webhooks, logger: logger)
        let notices = try store.persisting {
            try store.applyMonitorPass(pickups: [], alarms: changes, now: context.now, notify: { notifier.webhookRows($0) })
        }
        notices.forEach(notifier.log)
    }
}

extension RoutingReport {
    mutating func merge(_ other: RoutingReport) {
        accepted += other.accepted
        rejected += other.rejected
        finished += other.finished
        receipts += other.receipts
        unreachable += other.unreachable
    }
}
