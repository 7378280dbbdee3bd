import Foundation
import Gateway
import SFTPClient
import Store

/// Turns an order's request and a system's current settings into the settings to write,
/// or every reason it cannot be done. Pure: validation runs it against the settings at
/// submission, the executor again against the settings at the requested time.
public enum ChangePlanner {
    /// Longest overlap of an old and a new SSH key or certificate.
    public static let maxOverlapSeconds = 90 * 86_400
    public static let defaultOverlap = "7d"

    /// - Parameter clientCA: the gateway's client CA as the edge read it; nil when the
    ///   gateway has none configured (an `ssl-certificate` order's signature is then not checked).
    public static func plan(kind: ChangeKind, request: ChangeRequest, current: ChangeSnapshot, orderId: Int64,
                            defaultRetentionSeconds: Int, now: Date, clientCA: ClientCAFacts? = nil) -> (ChangeApplication?, [String]) {
        switch kind {
        case .monitoring: return monitoring(request, current, defaultRetentionSeconds: defaultRetentionSeconds)
        case .sshKey: return sshKey(request, current, orderId: orderId, now: now)
        case .inbox: return inbox(request, current)
        case .hostKey: return hostKey(request, current)
        case .sslCertificate: return sslCertificate(request, current, orderId: orderId, now: now, clientCA: clientCA)
        case .infRef: return infRef(request, current)
        }
    }

    /// The overlap an order asks for (default 7 days; 0s retires the old at completion).
    static func overlapSeconds(_ r: ChangeRequest, _ reasons: inout [String]) -> Int? {
        let text = r.overlap ?? defaultOverlap
        if DurationText.parse(text) == 0 { return 0 }
        return duration(text, "overlap", in: 60...maxOverlapSeconds, &reasons)
    }

    // MARK: monitoring

    static func monitoring(_ r: ChangeRequest, _ current: ChangeSnapshot, defaultRetentionSeconds: Int) -> (ChangeApplication?, [String]) {
        let name = current.system.name
        let ruleOptions = [r.collectWithin, r.deadline, r.warningBefore, r.repeatEvery, r.pattern].contains { $0 != nil }
        let receiverOptions = [r.signal, r.movedTo, r.retention].contains { $0 != nil }
        if r.removeMonitoring == true {
            var reasons: [String] = []
            if ruleOptions || receiverOptions {
                reasons.append("remove-monitoring cannot be combined with rule or signal options: submit a removal, or a change, not both")
            }
            if current.monitoring == nil { reasons.append("\(name) has no pickup monitoring to remove") }
            return reasons.isEmpty ? (ChangeApplication(monitoring: .some(nil)), []) : (nil, reasons)
        }
        guard ruleOptions || receiverOptions else {
            return (nil, ["the order changes nothing: give collect-within or deadline (with warning-before, repeat-every, pattern), signal, moved-to, retention, or remove-monitoring"])
        }
        var reasons: [String] = []
        var receiver = current.monitoring ?? ReceiverMonitoring(system: name)

        if let text = r.signal {
            if let signal = PickupSignal(rawValue: text) { receiver.signal = signal } else {
                reasons.append("signal '\(text)' is not one of \(PickupSignal.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let moved = r.movedTo {
            if let problem = InboxFolder.problem(moved, relative: true) {
                reasons.append("moved-to '\(moved.displaySafe(limit: 60))' must be a folder relative to the inbox root, e.g. IN/processed: \(problem)")
            } else { receiver.movedTo = moved }
        }
        if receiver.signal == .moved && receiver.movedTo == nil {
            reasons.append("signal moved needs moved-to: the folder (relative to the inbox root, e.g. IN/processed) the receiver moves collected files to")
        }
        if receiver.signal != .moved { receiver.movedTo = nil }
        if receiver.signal == .receipt && receiver.receiptSuffix == nil { receiver.receiptSuffix = ".receipt" }
        if receiver.signal != .receipt { receiver.receiptSuffix = nil }
        if let text = r.retention {
            if let s = duration(text, "retention", in: 3600...(365 * 86_400), &reasons) { receiver.retentionSeconds = s }
        }
        let retention = receiver.retentionSeconds ?? defaultRetentionSeconds

        if ruleOptions {
            let pattern = r.pattern ?? "*"
            if pattern.isEmpty { reasons.append("pattern must not be empty; * matches every file") }
            let index = receiver.rules.firstIndex { $0.pattern == pattern }
            var rule = index.map { receiver.rules[$0] } ?? PickupRule(pattern: pattern)
            if r.collectWithin != nil && r.deadline != nil {
                reasons.append("give collect-within or deadline, not both")
            }
            if let text = r.collectWithin {
                if DurationText.parse(text) == 0 {
                    reasons.append("collect-within \(text) puts the deadline at the delivery itself: it cannot be met; give a duration such as 4h")
                } else if let s = duration(text, "collect-within", in: 60...(365 * 86_400), &reasons) {
                    rule.collectWithinSeconds = s
                    rule.deadline = nil
                }
            }
            if let text = r.deadline {
                if text.range(of: #"^\d{1,2}:\d{2} (-\d+ business days?|previous business day)$"#, options: .regularExpression) != nil {
                    reasons.append("deadline '\(text)' falls before the delivery: it cannot be met; use \"08:00 next business day\", \"16:00 same business day\" or \"07:30 +2 business days\"")
                } else if let d = DurationText.parseDeadline(text) {
                    rule.deadline = d
                    rule.collectWithinSeconds = nil
                } else {
                    reasons.append("deadline '\(text)' is not a deadline like \"08:00 next business day\", \"16:00 same business day\" or \"07:30 +2 business days\"")
                }
            }
            if let text = r.warningBefore {
                if text.hasPrefix("-") {
                    reasons.append("warning-before \(text) would put the warning after the deadline, where the breach alarm is raised anyway; give a positive duration shorter than the time to collect")
                } else if DurationText.parse(text) == 0 {
                    reasons.append("warning-before 0s would put the warning at the deadline itself; give a positive duration or leave it out")
                } else if let s = duration(text, "warning-before", in: 60...(30 * 86_400), &reasons) {
                    rule.warningBeforeSeconds = s
                }
            }
            if let text = r.repeatEvery, let s = duration(text, "repeat-every", in: 60...(30 * 86_400), &reasons) {
                rule.repeatEverySeconds = s
            }
            if rule.collectWithinSeconds == nil && rule.deadline == nil && r.collectWithin == nil && r.deadline == nil {
                reasons.append("\(name) has no rule for pattern '\(pattern)' to change: give collect-within or deadline to create one")
            }
            if let within = rule.collectWithinSeconds, let warning = rule.warningBeforeSeconds, warning >= within {
                reasons.append("the warning (\(DurationText.format(warning)) before the deadline) would come before the delivery: make it shorter than collect-within (\(DurationText.format(within)))")
            }
            if let within = rule.collectWithinSeconds, within >= retention {
                reasons.append("collect-within \(DurationText.format(within)) cannot be met: retention (\(DurationText.format(retention))) removes the file before the deadline; shorten it or raise retention")
            }
            if let index { receiver.rules[index] = rule } else { receiver.rules.append(rule) }
        }
        if receiver == current.monitoring { reasons.append("the order changes nothing: \(name)'s monitoring is already so") }
        return reasons.isEmpty ? (ChangeApplication(monitoring: .some(receiver)), []) : (nil, reasons)
    }

    /// The same rule and words as the configuration file's durations (`DurationText`).
    static func duration(_ text: String, _ what: String, in range: ClosedRange<Int>, _ reasons: inout [String]) -> Int? {
        if let problem = DurationText.problem(text, what, in: range) {
            reasons.append(problem)
            return nil
        }
        return DurationText.parse(text)
    }

    // MARK: ssh-key

    static func sshKey(_ r: ChangeRequest, _ current: ChangeSnapshot, orderId: Int64, now: Date) -> (ChangeApplication?, [String]) {
        var reasons: [String] = []
        let s = current.system
        if let overlap = current.overlap {
            reasons.append("\(s.name)'s previous key is still in its overlap until \(overlap.retireAt.formatted(.iso8601)) (change order \(overlap.orderId)); rotate again after it is retired")
        }
        let overlapSeconds = overlapSeconds(r, &reasons)
        guard let key = r.privateKey, !key.isEmpty else {
            return (nil, reasons + ["the new private key is missing: give its path (private-key)"])
        }
        if key == s.privateKeyPath { reasons.append("\(key) is already the key of \(s.name)") }
        if r.passphraseEnv != nil && r.passphraseFile != nil { reasons.append("give passphrase-env or passphrase-file, not both") }
        guard reasons.isEmpty, let overlapSeconds else { return (nil, reasons) }
        var system = s
        system.privateKeyPath = key
        system.passphraseEnv = r.passphraseEnv
        system.passphraseFile = r.passphraseFile
        let overlap = KeyOverlap(system: s.name, orderId: orderId, oldPrivateKeyPath: s.privateKeyPath, oldPassphraseEnv: s.passphraseEnv,
                                 oldPassphraseFile: s.passphraseFile, newPrivateKeyPath: key, startedAt: now,
                                 retireAt: now.addingTimeInterval(TimeInterval(overlapSeconds)))
        return (ChangeApplication(system: system, overlap: .some(overlap)), [])
    }

    // MARK: inbox

    static func inbox(_ r: ChangeRequest, _ current: ChangeSnapshot) -> (ChangeApplication?, [String]) {
        guard r.host != nil || r.port != nil || r.user != nil || r.path != nil else {
            return (nil, ["the order changes nothing: give host, port, user or path of the new inbox"])
        }
        var reasons: [String] = []
        var system = current.system
        if let host = r.host {
            if host.isEmpty || host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "@" }) {
                reasons.append("host '\(host)' is not a host name or address")
            } else { system.sftpHost = host }
        }
        if let port = r.port {
            if (1...65535).contains(port) { system.sftpPort = port } else { reasons.append("port \(port) is outside 1...65535") }
        }
        if let user = r.user {
            if user.isEmpty || user.contains(where: { $0.isWhitespace || $0 == "@" || $0 == ":" }) {
                reasons.append("user '\(user)' is not an SFTP user name")
            } else { system.sftpUser = user }
        }
        if let path = r.path {
            if let problem = InboxFolder.problem(path) {
                reasons.append("path '\(path.displaySafe(limit: 60))' must name the inbox folder (usually IN): \(problem)")
            } else { system.inboxPath = path }
        }
        if reasons.isEmpty && system == current.system { reasons.append("the order changes nothing: the inbox of \(system.name) is already so") }
        return reasons.isEmpty ? (ChangeApplication(system: system), []) : (nil, reasons)
    }

    // MARK: host-key

    static func hostKey(_ r: ChangeRequest, _ current: ChangeSnapshot) -> (ChangeApplication?, [String]) {
        let given = r.fingerprints ?? []
        guard !given.isEmpty else {
            return (nil, ["no fingerprint given: give the server's new SHA-256 host-key fingerprint(s) (udtraek keys fingerprint --host H --port P prints it)"])
        }
        var reasons: [String] = []
        var pinned: [String] = []
        for text in given {
            if let normal = HostKeyFingerprint.normalise(text) {
                if !pinned.contains(normal) { pinned.append(normal) }
            } else {
                reasons.append("'\(text)' is not a SHA-256 fingerprint like SHA256:<43 base64 characters>")
            }
        }
        var system = current.system
        system.hostKeyFingerprints = pinned
        if reasons.isEmpty && Set(pinned) == Set(current.system.hostKeyFingerprints.compactMap(HostKeyFingerprint.normalise)) {
            reasons.append("the order changes nothing: these fingerprints are already pinned for \(system.name)")
        }
        return reasons.isEmpty ? (ChangeApplication(system: system), []) : (nil, reasons)
    }

    // MARK: ssl-certificate

    /// The new certificate registered for the system (subject, fingerprint, serial), the old
    /// one kept in an overlap. Refused unless it parses, holds no private key, is valid at
    /// `now` (the requested time), and, when the gateway has a client CA, is signed by it.
    static func sslCertificate(_ r: ChangeRequest, _ current: ChangeSnapshot, orderId: Int64, now: Date,
                               clientCA: ClientCAFacts?) -> (ChangeApplication?, [String]) {
        var reasons: [String] = []
        let name = current.system.name
        if let overlap = current.certificateOverlap {
            reasons.append("\(name)'s previous certificate is still accepted in its overlap until \(overlap.retireAt.formatted(.iso8601)) (change order \(overlap.orderId)); change it again after it is retired")
        }
        let overlapSeconds = overlapSeconds(r, &reasons)
        guard let pem = r.certificate, !pem.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return (nil, reasons + ["the new certificate is missing: give its PEM text (certificate; `udtraek change submit --certificate FILE` reads it from a file)"])
        }
        let certificate: ClientCertificate
        do { certificate = try ClientCertificate(pem: pem) } catch {
            return (nil, reasons + ["certificate: \(error)"])
        }
        if let problem = certificate.validityProblem(at: now) { reasons.append(problem) }
        if let clientCA {
            if let authorities = clientCA.authorities {
                if !certificate.isSigned(by: authorities) {
                    reasons.append("the certificate (issuer \(certificate.issuer)) is not signed by the gateway's client CA \(clientCA.path), so the gateway's TLS handshake would refuse it; have it issued by that CA")
                }
            } else {
                reasons.append("the gateway's client CA \(clientCA.path) cannot be read (\(clientCA.problem ?? "unknown")), so the certificate cannot be checked against it; fix gateway.tls.client_ca first")
            }
        }
        if current.certificate?.fingerprint == certificate.identity.fingerprint {
            reasons.append("the order changes nothing: this certificate (\(certificate.identity.fingerprint)) is already registered for \(name)")
        }
        guard reasons.isEmpty, let overlapSeconds else { return (nil, reasons) }
        let new = SystemCertificate(system: name, subject: certificate.identity.subject, fingerprint: certificate.identity.fingerprint,
                                    serial: certificate.serial)
        let overlap = current.certificate.map {
            CertificateOverlap(system: name, orderId: orderId, old: $0, newFingerprint: certificate.identity.fingerprint, startedAt: now,
                               retireAt: now.addingTimeInterval(TimeInterval(overlapSeconds)))
        }
        return (ChangeApplication(certificate: .some(new), certificateOverlap: overlap.map { .some($0) }), [])
    }

    // MARK: infref

    static func infRef(_ r: ChangeRequest, _ current: ChangeSnapshot) -> (ChangeApplication?, [String]) {
        guard let text = r.infRef else {
            return (nil, ["the order changes nothing: give the new data type (infref) for the metadata of \(current.system.name)'s files"])
        }
        if let problem = InputText.infRefProblem(text, "infref") { return (nil, [problem]) }
        if text == current.system.infRef {
            return (nil, ["the order changes nothing: the InfRef of \(current.system.name) is already '\(text.displaySafe(limit: 60))'"])
        }
        var system = current.system
        system.infRef = text
        return (ChangeApplication(system: system), [])
    }
}

/// The gateway's client CA as the edge (desk, executor) read it: an `ssl-certificate`
/// order's certificate must be signed by it, or the TLS handshake refuses the caller.
public struct ClientCAFacts: Sendable {
    /// `gateway.tls.client_ca`.
    public var path: String
    /// The CA's certificates; nil when the file could not be read.
    public var authorities: ClientAuthorities?
    /// Why the file could not be read.
    public var problem: String?

    public init(path: String, authorities: ClientAuthorities?, problem: String? = nil) {
        self.path = path
        self.authorities = authorities
        self.problem = problem
    }

    /// Reads the configured CA file (blocking); nil when the gateway has no client CA
    /// (no gateway section, or plain HTTP).
    public static func read(_ store: Store) throws -> ClientCAFacts? {
        guard let settings = try store.configuration().gateway.settings, !settings.plainHTTP,
              let path = settings.clientCAPath else { return nil }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return ClientCAFacts(path: path, authorities: try ClientAuthorities(pem: text))
        } catch {
            return ClientCAFacts(path: path, authorities: nil, problem: "\(error)")
        }
    }
}
