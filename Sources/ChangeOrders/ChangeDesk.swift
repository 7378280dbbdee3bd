import Foundation
import Logging
import Runtime
import SFTPClient
import Store

/// Receives orders: records them with their `received` receipt, validates them and
/// records `accepted` or `rejected` with every reason, all in one transaction with the
/// audit rows (who and why). The executor carries accepted orders out later.
public struct ChangeDesk: Sendable {
    public let store: Store
    /// The date an order is received at and validated against ("not in the past").
    let clock: RuntimeClock
    let logger: Logger

    public init(store: Store, logger: Logger = Logger(label: "udtraek.changes"), clock: RuntimeClock = .system) {
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    /// Submits an order; returns it with its state (`accepted` or `rejected`).
    public func submit(_ submission: ChangeSubmission) throws -> ChangeOrder {
        let now = clock.date
        let s = Self.normalised(submission)
        let facts = try gatherFacts(s)
        let reasons = ChangeValidation.reasons(s, facts: facts, now: now)
        let accepted = reasons.isEmpty
        let executeAt = max(s.at ?? now, now)
        let order = ChangeOrder(system: s.system, kind: s.kind, orderRef: s.orderRef, state: accepted ? .accepted : .rejected,
                                requestedTime: s.at, executeAt: executeAt, submittedBy: s.submittedBy, reason: s.reason,
                                request: s.request, receivedAt: now, updatedAt: now)
        let ref = s.orderRef.map { "BestillingsID \($0)" } ?? "self-service"
        var receipts = [ChangeReceipt(at: now, kind: .received, detail: "\(s.kind.rawValue) change for \(s.system) (\(ref)) received from \(s.submittedBy)")]
        if accepted {
            receipts.append(ChangeReceipt(at: now, kind: .accepted,
                                          detail: "validated: accepted; to be carried out \(s.at == nil ? "at once" : "at \(executeAt.formatted(.iso8601))")"))
        } else {
            receipts.append(ChangeReceipt(at: now, kind: .rejected,
                                          detail: "validated: rejected (\(reasons.count) reason\(reasons.count == 1 ? "" : "s")); correct the order and submit it as a new one",
                                          reasons: reasons))
        }
        let why = s.reason.isEmpty ? "" : "; reason: \(s.reason)"
        let audit = AuditEntry(at: now, actor: s.submittedBy, action: accepted ? "change.accepted" : "change.rejected",
                               subject: "\(s.kind.rawValue) \(s.system)",
                               detail: "\(ref); \(accepted ? "accepted, at \(executeAt.formatted(.iso8601))" : "rejected: " + reasons.joined(separator: "; "))\(why)")
        let saved = try store.submitChangeOrder(order, receipts: receipts, audits: [audit])
        logger.notice("change order \(saved.id ?? 0) \(saved.state.rawValue)", metadata: ["change.system": "\(s.system)", "change.kind": "\(s.kind.rawValue)"])
        return saved
    }

    /// The reasons `submit` would reject the order for, recording nothing: the console's
    /// form checks first, so a typing mistake is corrected in the form instead of leaving a
    /// rejected order behind. `submit` validates again when it records.
    public func check(_ submission: ChangeSubmission) throws -> [String] {
        let s = Self.normalised(submission)
        return ChangeValidation.reasons(s, facts: try gatherFacts(s), now: clock.date)
    }

    /// The BestillingsID without surrounding blanks; blank is none.
    static func normalised(_ submission: ChangeSubmission) -> ChangeSubmission {
        var s = submission
        s.orderRef = s.orderRef.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        return s
    }

    func gatherFacts(_ s: ChangeSubmission) throws -> ValidationFacts {
        let config = try store.configuration()
        let sameRef = try s.orderRef.map { try store.changeOrders(orderRef: $0) } ?? []
        let pending = try store.changeOrders(system: s.system, states: [.accepted, .carriedOut]).filter { $0.kind == s.kind }
        var keyProblem: String?
        if s.kind == .sshKey, let path = s.request.privateKey, !path.isEmpty {
            keyProblem = PrivateKeyFile.problem(path: path, passphraseGiven: s.request.passphraseEnv != nil || s.request.passphraseFile != nil)
        }
        return ValidationFacts(current: try store.changeSnapshot(system: s.system),
                               defaultRetentionSeconds: config.monitoring.settings.defaultRetentionSeconds,
                               ordersWithSameRef: sameRef, pendingSameKind: pending, keyFileProblem: keyProblem,
                               clientCA: s.kind == .sslCertificate ? try ClientCAFacts.read(store) : nil)
    }
}
