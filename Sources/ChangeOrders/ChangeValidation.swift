import Foundation
import Store

/// An order as an operator submits it (CLI flags or the API's JSON body).
public struct ChangeSubmission: Sendable, Equatable {
    public var system: String
    public var kind: ChangeKind
    /// The BestillingsID; required except for the self-service kinds (SSH key, SSL certificate).
    public var orderRef: String?
    /// When to carry it out (nil: at once).
    public var at: Date?
    public var reason: String
    public var submittedBy: String
    public var request: ChangeRequest

    public init(system: String, kind: ChangeKind, orderRef: String? = nil, at: Date? = nil, reason: String = "",
                submittedBy: String, request: ChangeRequest = ChangeRequest()) {
        self.system = system
        self.kind = kind
        self.orderRef = orderRef
        self.at = at
        self.reason = reason
        self.submittedBy = submittedBy
        self.request = request
    }
}

/// What validation needs to know about the world, gathered at the edge (`ChangeDesk`).
public struct ValidationFacts: Sendable {
    /// The system's settings now; nil when there is no such system.
    public var current: ChangeSnapshot?
    public var defaultRetentionSeconds: Int
    /// Orders already carrying this BestillingsID (any state).
    public var ordersWithSameRef: [ChangeOrder]
    /// Accepted orders of the same kind for the same system not yet carried out.
    public var pendingSameKind: [ChangeOrder]
    /// What is wrong with the new key file, when the order names one.
    public var keyFileProblem: String?
    /// The gateway's client CA, for an `ssl-certificate` order (nil: none configured).
    public var clientCA: ClientCAFacts?

    public init(current: ChangeSnapshot?, defaultRetentionSeconds: Int = MonitoringSettings.fourteenDays,
                ordersWithSameRef: [ChangeOrder] = [], pendingSameKind: [ChangeOrder] = [], keyFileProblem: String? = nil,
                clientCA: ClientCAFacts? = nil) {
        self.current = current
        self.defaultRetentionSeconds = defaultRetentionSeconds
        self.ordersWithSameRef = ordersWithSameRef
        self.pendingSameKind = pendingSameKind
        self.keyFileProblem = keyFileProblem
        self.clientCA = clientCA
    }
}

/// Is the order technically possible, and can its time be met? Every reason is
/// collected, not only the first, so one corrected order fixes them all. Pure.
public enum ChangeValidation {
    /// A requested time this much in the past is still taken as "now" (typing, clocks).
    public static let pastTolerance: TimeInterval = 60
    /// The longest BestillingsID: 64 characters. The platform's order numbers are short
    /// (`B-123`; a UUID is 36), so a longer one is a mistake, and it is printed in every
    /// receipt, listing and audit row.
    public static let maximumOrderRefLength = 64
    /// The longest reason, in characters.
    public static let maximumReasonLength = 2000
    /// The longest value of any other text field (a path, a host, a pattern), in bytes:
    /// Linux's PATH_MAX is 4096, and no host, user or glob comes near 1024.
    public static let maximumFieldBytes = 1024
    /// The longest certificate (PEM text), in bytes: a client certificate with an RSA-4096
    /// key is about 2 kB; 16 kB leaves room for long subjects and extensions.
    public static let maximumCertificateBytes = 16 * 1024

    public static func reasons(_ s: ChangeSubmission, facts: ValidationFacts, now: Date) -> [String] {
        var reasons = textReasons(s)
        if facts.current == nil {
            reasons.append("unknown system '\(s.system.displaySafe(limit: 60))': `udtraek systems` lists the receiver systems")
        }
        let ref = s.orderRef?.trimmingCharacters(in: .whitespaces) ?? ""
        if s.kind.needsOrderId && ref.isEmpty {
            reasons.append("missing BestillingsID: a \(s.kind.rawValue) change is an ordered service; give the order's BestillingsID (order-id). Only SSH key and SSL certificate changes are self-service")
        }
        if !ref.isEmpty, let used = facts.ordersWithSameRef.first(where: { $0.state != .rejected }) {
            reasons.append("BestillingsID \(ref.displaySafe(limit: 60)) is already used by change order \(used.id ?? 0) (\(used.state.rawValue)); a new order needs a new BestillingsID")
        }
        if let at = s.at, at < now.addingTimeInterval(-pastTolerance) {
            reasons.append("the requested time \(at.formatted(.iso8601)) is in the past (now \(now.formatted(.iso8601))); give a future time or none for at once")
        }
        if let other = facts.pendingSameKind.first, s.kind.hasOverlap {
            let what = s.kind == .sshKey ? ("SSH key", "key rotation") : ("SSL certificate", "certificate change")
            reasons.append("\(what.0) change order \(other.id ?? 0) for \(s.system) waits to be carried out at \(other.executeAt.formatted(.iso8601)); one \(what.1) at a time")
        }
        for field in s.request.fieldsNotFor(s.kind) {
            reasons.append("\(field) does not apply to a \(s.kind.rawValue) change; submit it as an order of its own kind")
        }
        if let problem = facts.keyFileProblem { reasons.append(problem) }
        if let current = facts.current {
            let (_, planReasons) = ChangePlanner.plan(kind: s.kind, request: s.request, current: current, orderId: 0,
                                                      defaultRetentionSeconds: facts.defaultRetentionSeconds, now: s.at ?? now,
                                                      clientCA: facts.clientCA)
            reasons += planReasons
        }
        return reasons
    }

    /// What is wrong with the order's text itself, before any of it is interpreted: too
    /// long, or holding control characters (which would reach terminals, logs and the
    /// audit log as they are). Each reason names the field as the CLI spells it.
    static func textReasons(_ s: ChangeSubmission) -> [String] {
        var reasons: [String] = []
        func check(_ value: String?, _ what: String, maxBytes: Int = maximumFieldBytes) {
            guard let value else { return }
            if let bad = value.unicodeScalars.first(where: InputText.isControl) {
                reasons.append("\(what) '\(value.displaySafe(limit: 60))' holds the control character \(bad.codePoint); give printable text on one line")
            } else if value.utf8.count > maxBytes {
                reasons.append("\(what) is \(value.utf8.count) bytes long; at most \(maxBytes) are accepted")
            }
        }
        if let ref = s.orderRef, ref.count > maximumOrderRefLength {
            reasons.append("the BestillingsID is \(ref.count) characters long; at most \(maximumOrderRefLength) are accepted (the platform's order numbers are short, e.g. B-123)")
        } else {
            check(s.orderRef, "BestillingsID")
        }
        if s.reason.count > maximumReasonLength {
            reasons.append("the reason is \(s.reason.count) characters long; at most \(maximumReasonLength) are accepted")
        } else {
            check(s.reason, "reason", maxBytes: .max)
        }
        check(s.system, "system", maxBytes: 128)
        check(s.submittedBy, "the submitter (actor)", maxBytes: 128)
        let r = s.request
        let fields: [(String?, String)] = [
            (r.pattern, "pattern"), (r.collectWithin, "collect-within"), (r.deadline, "deadline"),
            (r.warningBefore, "warning-before"), (r.repeatEvery, "repeat-every"), (r.signal, "signal"),
            (r.movedTo, "moved-to"), (r.retention, "retention"), (r.privateKey, "private-key"),
            (r.passphraseEnv, "passphrase-env"), (r.passphraseFile, "passphrase-file"), (r.overlap, "overlap"),
            (r.host, "host"), (r.user, "user"), (r.path, "path"), (r.infRef, "infref"),
        ]
        for (value, what) in fields { check(value, what) }
        // PEM text has lines: line ends pass, other control characters do not.
        if let pem = r.certificate {
            if let bad = pem.unicodeScalars.first(where: { InputText.isControl($0) && !["\n", "\r", "\t"].contains($0) }) {
                reasons.append("certificate holds the control character \(bad.codePoint); give the PEM text as openssl writes it")
            } else if pem.utf8.count > maximumCertificateBytes {
                reasons.append("certificate is \(pem.utf8.count) bytes long; at most \(maximumCertificateBytes) are accepted (one PEM certificate, without its chain)")
            }
        }
        let fingerprints = r.fingerprints ?? []
        if fingerprints.count > 16 {
            reasons.append("\(fingerprints.count) fingerprints given; at most 16 are pinned for one server")
        } else {
            for f in fingerprints { check(f, "fingerprint", maxBytes: 128) }
        }
        return reasons
    }
}

extension ChangeRequest {
    /// The options given that belong to another kind of change (named as the CLI spells them).
    func fieldsNotFor(_ kind: ChangeKind) -> [String] {
        let byKind: [([ChangeKind], [(String, Bool)])] = [
            ([.monitoring], [("pattern", pattern != nil), ("collect-within", collectWithin != nil), ("deadline", deadline != nil),
                             ("warning-before", warningBefore != nil), ("repeat-every", repeatEvery != nil), ("signal", signal != nil),
                             ("moved-to", movedTo != nil), ("retention", retention != nil), ("remove-monitoring", removeMonitoring == true)]),
            ([.sshKey], [("private-key", privateKey != nil), ("passphrase-env", passphraseEnv != nil),
                         ("passphrase-file", passphraseFile != nil)]),
            ([.sshKey, .sslCertificate], [("overlap", overlap != nil)]),
            ([.inbox], [("host", host != nil), ("port", port != nil), ("user", user != nil), ("path", path != nil)]),
            ([.hostKey], [("fingerprint", !(fingerprints ?? []).isEmpty)]),
            ([.sslCertificate], [("certificate", certificate != nil)]),
            ([.infRef], [("infref", infRef != nil)]),
        ]
        return byKind.filter { !$0.0.contains(kind) }.flatMap { $0.1.filter(\.1).map(\.0) }
    }
}
