import Foundation
import Gateway
import Logging
import Runtime
import Store
import Synchronization

/// What one pass of the executor did.
public struct ExecutionReport: Sendable, Equatable {
    public var completed: [Int64] = []
    public var failed: [Int64] = []
    /// Systems whose old SSH key was retired (its overlap ended).
    public var retiredKeys: [String] = []
    /// Systems whose old gateway client certificate was retired (its overlap ended).
    public var retiredCertificates: [String] = []
    public init() {}
}

/// Carries out accepted orders when their time comes, verifies them, and completes them
/// or fails them (rolling back to the previous settings and raising the incident alarm);
/// retires old SSH keys and gateway client certificates when their overlap ends. State lives in SQLite: an order carried
/// out but not verified when the process stopped is verified at the next pass.
///
/// An order is due when the clock's wall-clock date reaches its time (orders are asked for
/// at a date), so a stepped system clock moves what is due; how often it looks is the
/// service's business, on monotonic time.
public final class ChangeExecutor: Sendable {
    public let store: Store
    let probe: any ChangeProbe
    let logger: Logger
    /// The source of the dates orders and key overlaps are judged by.
    public let clock: RuntimeClock
    /// Where passes run (verification blocks on libssh2, the store on SQLite).
    public let executor: BlockingExecutor
    /// Held for a whole pass: passes never overlap.
    private let passLock = Mutex(())

    public init(store: Store, probe: any ChangeProbe = SFTPChangeProbe(), logger: Logger = Logger(label: "udtraek.changes"),
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared) {
        self.store = store
        self.probe = probe
        self.logger = logger
        self.clock = clock
        self.executor = executor
    }

    /// One pass, run as an executor job.
    public func runDue(now: Date? = nil) async throws -> ExecutionReport {
        try await executor.run { try self.runDueBlocking(now: now) }
    }

    /// One pass on the calling thread, which may block. Passes never overlap.
    public func runDueBlocking(now: Date? = nil) throws -> ExecutionReport {
        try passLock.withLock { _ throws -> ExecutionReport in try pass(now: now) }
    }

    private func pass(now: Date?) throws -> ExecutionReport {
        let now = now ?? clock.date
        var report = ExecutionReport()
        report.retiredKeys = try retireEndedOverlaps(now: now)
        report.retiredCertificates = try retireEndedCertificateOverlaps(now: now)
        // Crash: ended key overlaps retired; no due order touched.
        CrashPoint.reach("change.overlaps-retired")
        for order in try store.dueChangeOrders(now: now) {
            // Crash (loop, `#n`): the n-th due order, nothing of it done.
            CrashPoint.reach("change.due")
            switch try execute(order, now: now) {
            case .completed?: report.completed.append(order.id ?? 0)
            case .failed?: report.failed.append(order.id ?? 0)
            default: break
            }
        }
        return report
    }

    func execute(_ due: ChangeOrder, now: Date) throws -> ChangeOrderState? {
        var order = due
        let id = order.id ?? 0
        let actor = order.submittedBy
        let why = order.reason.isEmpty ? "" : "; reason: \(order.reason)"
        let subject = "change \(id) \(order.kind.rawValue) \(order.system)"
        if order.state == .accepted {
            guard let snapshot = try store.changeSnapshot(system: order.system) else {
                return try fail(order, what: "the system \(order.system) no longer exists (removed by `config apply`?); nothing was changed",
                                rollback: nil, now: now)
            }
            let settings = try store.configuration().monitoring.settings
            let clientCA = order.kind == .sslCertificate ? try ClientCAFacts.read(store) : nil
            let (application, reasons) = ChangePlanner.plan(kind: order.kind, request: order.request, current: snapshot, orderId: id,
                                                            defaultRetentionSeconds: settings.defaultRetentionSeconds, now: now,
                                                            clientCA: clientCA)
            guard let application else {
                return try fail(order, what: "it can no longer be carried out: \(reasons.joined(separator: "; ")); nothing was changed",
                                rollback: nil, now: now, reasons: reasons)
            }
            // Crash: the order is planned; the system's settings unchanged.
            CrashPoint.reach("change.before-apply")
            let carried = try store.carryOutChange(
                orderId: id, previous: snapshot, application: application,
                receipt: ChangeReceipt(at: now, kind: .carriedOut, detail: "carried out at \(now.formatted(.iso8601)): \(Self.summary(order, application))"),
                audit: AuditEntry(at: now, actor: actor, action: "change.carried-out", subject: subject,
                                  detail: Self.summary(order, application) + why),
                now: now)
            // Crash: the settings are changed and the order `carried-out` (one transaction); not verified.
            CrashPoint.reach("change.after-apply")
            guard carried else { return nil }
            order.previous = snapshot
            order.state = .carriedOut
            logger.notice("change order \(id) carried out", metadata: ["change.system": "\(order.system)", "change.kind": "\(order.kind.rawValue)"])
        }
        guard let after = try store.changeSnapshot(system: order.system) else {
            return try fail(order, what: "the system \(order.system) was removed while the change was being verified", rollback: nil, now: now)
        }
        let configuration = try store.configuration()
        do {
            // Crash: carried out, about to verify against the receiver.
            CrashPoint.reach("change.before-verify")
            var input = ProbeInput(kind: order.kind, system: after.system, monitoring: after.monitoring,
                                   logins: configuration.monitoring.settings.logins, overlap: after.overlap)
            input.request = order.request
            // The directory as the gateway builds it at its next reload.
            if order.kind == .sslCertificate { input.directory = GatewayDirectory(configuration) }
            let detail = try probe.verify(input)
            // Crash: verified, the verification not yet recorded.
            CrashPoint.reach("change.verified")
            var completion = "completed"
            if order.kind == .sshKey, let overlap = after.overlap {
                completion += "; the previous key \(overlap.oldPrivateKeyPath) stays the fallback until \(overlap.retireAt.formatted(.iso8601)), then it is retired"
            }
            if order.kind == .sslCertificate, let overlap = after.certificateOverlap {
                completion += "; the previous certificate (\(overlap.oldCertificate.summary)) stays accepted until \(overlap.retireAt.formatted(.iso8601)), then it is retired"
            }
            try store.finishChangeOrder(orderId: id, state: .completed, receipts: [
                ChangeReceipt(at: now, kind: .verified, detail: detail),
                ChangeReceipt(at: now, kind: .completed, detail: completion),
            ], audits: [AuditEntry(at: now, actor: actor, action: "change.completed", subject: subject, detail: detail + why)], now: now)
            // Crash: the order is `completed` with its receipts and audit row.
            CrashPoint.reach("change.completed")
            logger.notice("change order \(id) completed", metadata: ["change.system": "\(order.system)"])
            try ChangeIncident.resolveEarlier(order, store: store, logger: logger, now: now)
            // Crash: earlier incidents of the system resolved.
            CrashPoint.reach("change.incidents-resolved")
            return .completed
        } catch {
            return try fail(order, what: "verification failed: \(error)", rollback: order.previous, now: now)
        }
    }

    /// Fails an order: restores `rollback` (the settings before it was carried out) in the
    /// same transaction as the receipts, then raises the incident.
    private func fail(_ order: ChangeOrder, what: String, rollback: ChangeSnapshot?, now: Date, reasons: [String] = []) throws -> ChangeOrderState {
        let id = order.id ?? 0
        let subject = "change \(id) \(order.kind.rawValue) \(order.system)"
        var receipts = [ChangeReceipt(at: now, kind: .failed, detail: what + "; incident alarm raised", reasons: reasons)]
        var audits = [AuditEntry(at: now, actor: order.submittedBy, action: "change.failed", subject: subject,
                                 detail: what + (order.reason.isEmpty ? "" : "; reason: \(order.reason)"))]
        if let rollback {
            receipts.append(ChangeReceipt(at: now, kind: .rolledBack, detail: "rolled back: the previous settings of \(order.system) are restored (\(Self.describe(rollback, order.kind)))"))
            audits.append(AuditEntry(at: now, actor: "udtraek", action: "change.rolled-back", subject: subject,
                                     detail: "restored \(Self.describe(rollback, order.kind))"))
        }
        try store.finishChangeOrder(orderId: id, state: .failed, application: rollback.map(ChangeApplication.restoring),
                                    receipts: receipts, audits: audits, now: now)
        logger.error("change order \(id) failed: \(what)", metadata: ["change.system": "\(order.system)", "change.kind": "\(order.kind.rawValue)"])
        try ChangeIncident.raise(order, what: what + (rollback == nil ? "" : "; rolled back to the previous settings"),
                                 store: store, logger: logger, now: now)
        return .failed
    }

    /// Ends the overlaps whose time has come (of completed orders only: an order still
    /// being verified keeps its old key).
    func retireEndedOverlaps(now: Date) throws -> [String] {
        var retired: [String] = []
        for overlap in try store.keyOverlaps() where overlap.retireAt <= now {
            if let order = try store.changeOrder(id: overlap.orderId), order.state != .completed { continue }
            let detail = "the previous key \(overlap.oldPrivateKeyPath) is retired (overlap ended \(overlap.retireAt.formatted(.iso8601))); only \(overlap.newPrivateKeyPath) is used"
            if try store.retireKeyOverlap(system: overlap.system,
                                          receipt: ChangeReceipt(at: now, kind: .keyRetired, detail: detail),
                                          audit: AuditEntry(at: now, actor: "udtraek", action: "ssh-key.retired",
                                                            subject: "change \(overlap.orderId) ssh-key \(overlap.system)", detail: detail)) {
                logger.notice("old SSH key retired", metadata: ["change.system": "\(overlap.system)", "ssh.key": "\(overlap.oldPrivateKeyPath)"])
                retired.append(overlap.system)
            }
        }
        return retired
    }

    /// Ends the certificate overlaps whose time has come (of completed orders only): the
    /// gateway stops accepting the old certificate at its next directory reload.
    func retireEndedCertificateOverlaps(now: Date) throws -> [String] {
        var retired: [String] = []
        for overlap in try store.certificateOverlaps() where overlap.retireAt <= now {
            if let order = try store.changeOrder(id: overlap.orderId), order.state != .completed { continue }
            let detail = "the previous certificate (\(overlap.oldCertificate.summary)) is retired (overlap ended \(overlap.retireAt.formatted(.iso8601))); the gateway accepts only \(overlap.newFingerprint)"
            if try store.retireCertificateOverlap(system: overlap.system,
                                                  receipt: ChangeReceipt(at: now, kind: .certificateRetired, detail: detail),
                                                  audit: AuditEntry(at: now, actor: "udtraek", action: "ssl-certificate.retired",
                                                                    subject: "change \(overlap.orderId) ssl-certificate \(overlap.system)", detail: detail)) {
                logger.notice("old gateway client certificate retired", metadata: ["change.system": "\(overlap.system)"])
                retired.append(overlap.system)
            }
        }
        return retired
    }

    static func summary(_ order: ChangeOrder, _ a: ChangeApplication) -> String {
        switch order.kind {
        case .monitoring:
            guard let m = a.monitoring else { return "monitoring unchanged" }
            guard let m else { return "pickup monitoring of \(order.system) removed" }
            return "pickup monitoring of \(order.system): \(describe(m))"
        case .sshKey:
            let overlapEnd = (a.overlap ?? nil).map { "; the previous key works until \($0.retireAt.formatted(.iso8601))" } ?? ""
            return "key of \(order.system) is now \(a.system?.privateKeyPath ?? "?")\(overlapEnd)"
        case .inbox:
            guard let s = a.system else { return "inbox unchanged" }
            return "inbox of \(order.system) is now sftp://\(s.sftpUser)@\(s.sftpHost):\(s.sftpPort)/\(s.inboxPath)"
        case .hostKey:
            return "pinned host keys of \(order.system) are now \(a.system?.hostKeyFingerprints.joined(separator: ", ") ?? "?")"
        case .sslCertificate:
            let overlapEnd = (a.certificateOverlap ?? nil).map { "; the previous certificate is accepted until \($0.retireAt.formatted(.iso8601))" } ?? ""
            return "gateway client certificate of \(order.system) is now \((a.certificate ?? nil)?.summary ?? "?")\(overlapEnd)"
        case .infRef:
            return "InfRef of \(order.system)'s extract files is now \(a.system?.infRef ?? "none")"
        }
    }

    static func describe(_ snapshot: ChangeSnapshot, _ kind: ChangeKind) -> String {
        let s = snapshot.system
        switch kind {
        case .monitoring: return snapshot.monitoring.map(describe) ?? "no pickup monitoring"
        case .sshKey: return "key \(s.privateKeyPath)"
        case .inbox: return "inbox sftp://\(s.sftpUser)@\(s.sftpHost):\(s.sftpPort)/\(s.inboxPath)"
        case .hostKey: return "pins \(s.hostKeyFingerprints.joined(separator: ", "))"
        case .sslCertificate: return snapshot.certificate.map { "certificate \($0.summary)" } ?? "no gateway certificate"
        case .infRef: return s.infRef.map { "InfRef \($0)" } ?? "no InfRef"
        }
    }

    static func describe(_ m: ReceiverMonitoring) -> String {
        let rules = m.rules.map { r -> String in
            var parts = [r.pattern]
            if let w = r.collectWithinSeconds { parts.append("collect within \(DurationText.format(w))") }
            if let d = r.deadline { parts.append("deadline \(DurationText.formatDeadline(d))") }
            if let w = r.warningBeforeSeconds { parts.append("warning \(DurationText.format(w)) before") }
            if let e = r.repeatEverySeconds { parts.append("repeat every \(DurationText.format(e))") }
            return parts.joined(separator: " ")
        }
        return "signal \(m.signal.rawValue)" + (m.movedTo.map { " to \($0)" } ?? "") + "; rules: " + (rules.isEmpty ? "none" : rules.joined(separator: "; "))
    }
}
