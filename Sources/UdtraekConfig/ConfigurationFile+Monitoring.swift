import Foundation
import Store

/// Pickup monitoring in the configuration file: `monitoring:` under a system (its rules,
/// pickup signal and retention) and `monitoring:` at the top (polling, thresholds,
/// monitoring logins and webhooks). Durations are written `90s`, `15m`, `4h`, `14d` or
/// combined (`1h30m`); deadlines `08:00 next business day`, `16:00 same business day` or
/// `07:30 +2 business days` (Copenhagen time, Danish business days).
extension SnapshotReader {
    static let monitoringSettingsKeys = ["poll_interval", "unreachable_after", "delivery_failures", "repeat_every",
                                         "retention", "logins", "webhooks"]
    static let receiverMonitoringKeys = ["signal", "moved_to", "receipt_suffix", "retention", "rules"]

    func readMonitoringSettings(_ value: YAMLValue) -> MonitoringSettings {
        var settings = MonitoringSettings()
        guard let map = value.mapping(allowed: Self.monitoringSettingsKeys) else { return settings }
        if let v = map["poll_interval"], let s = v.duration(in: 1...86_400) { settings.pollIntervalSeconds = s }
        if let v = map["unreachable_after"], let s = v.duration(in: 0...(30 * 86_400)) { settings.unreachableAfterSeconds = s }
        if let v = map["delivery_failures"], let n = v.int(in: 1...1000) { settings.deliveryFailureThreshold = n }
        if let v = map["repeat_every"], let s = v.duration(in: 60...(30 * 86_400)) { settings.repeatEverySeconds = s }
        if let v = map["retention"], let s = v.duration(in: 3600...(365 * 86_400)) { settings.defaultRetentionSeconds = s }
        settings.logins = map["logins"]?.sequence()?.compactMap(readMonitorLogin) ?? []
        settings.webhooks = map["webhooks"]?.sequence()?.compactMap(readWebhook) ?? []
        var hosts = Set<String>()
        for (i, login) in settings.logins.enumerated() where !hosts.insert("\(login.host):\(login.port)").inserted {
            map["logins"]?.report("logins[\(i)]: a second monitoring login for \(login.host.displaySafe(limit: 60)):\(login.port); one per host")
        }
        var names = Set<String>()
        for hook in settings.webhooks where !names.insert(hook.name).inserted {
            map["webhooks"]?.report("webhook name '\(hook.name.displaySafe(limit: 60))' is defined twice")
        }
        return settings
    }

    /// The `monitoring:` sections of the systems, read from the same list items as the systems.
    func readReceiverMonitoring(_ systems: [YAMLValue]?, settings: MonitoringSettings) -> [ReceiverMonitoring] {
        var result: [ReceiverMonitoring] = []
        for item in systems ?? [] {
            guard let name = item.node.mapping?["name"]?.string, let node = item.node.mapping?["monitoring"] else { continue }
            if let r = readReceiver(item.child(node, "\(item.key).monitoring"), system: name, settings: settings) { result.append(r) }
        }
        return result.sorted { $0.system < $1.system }
    }

    private func readReceiver(_ value: YAMLValue, system: String, settings: MonitoringSettings) -> ReceiverMonitoring? {
        guard let map = value.mapping(allowed: Self.receiverMonitoringKeys) else { return nil }
        let signal = map["signal"].map { $0.oneOf(PickupSignal.allCases.map(\.rawValue)).flatMap(PickupSignal.init(rawValue:)) } ?? .deleted
        let movedTo = map["moved_to"]?.inboxFolder(relative: true)
        var receiptSuffix = map["receipt_suffix"]?.line()
        if let value = map["receipt_suffix"], let suffix = receiptSuffix, DeliveredFileName.problem("file" + suffix) != nil || suffix.contains("/") {
            value.report("'\(suffix.displaySafe(limit: 40))' cannot end a file name: \(DeliveredFileName.problem("file" + suffix) ?? "it contains '/'")")
            receiptSuffix = nil
        }
        if signal == .moved && movedTo == nil {
            value.report("signal: moved needs moved_to, the folder (relative to the inbox root, e.g. IN/processed) the receiver moves collected files to")
        }
        if signal == .receipt && receiptSuffix == nil { receiptSuffix = ".receipt" }
        if let movedTo, signal != .moved { map["moved_to"]?.report("moved_to applies to signal: moved only ('\(movedTo.displaySafe(limit: 60))' would be ignored)") }
        if receiptSuffix != nil, signal != .receipt, map["receipt_suffix"] != nil {
            map["receipt_suffix"]?.report("receipt_suffix applies to signal: receipt only")
        }
        let retention = map["retention"].map { $0.duration(in: 3600...(365 * 86_400)) } ?? nil
        var rules: [PickupRule] = []
        for item in map["rules"]?.sequence() ?? [] {
            if let rule = readRule(item, retention: retention ?? settings.defaultRetentionSeconds) { rules.append(rule) }
        }
        guard let signal else { return nil }
        return ReceiverMonitoring(system: system, signal: signal, movedTo: signal == .moved ? movedTo : nil,
                                  receiptSuffix: signal == .receipt ? receiptSuffix : nil,
                                  retentionSeconds: retention, rules: rules)
    }

    private func readRule(_ value: YAMLValue, retention: Int) -> PickupRule? {
        guard let map = value.mapping(allowed: ["pattern", "collect_within", "deadline", "warning_before", "repeat_every"])
        else { return nil }
        let pattern = map["pattern"]?.line() ?? "*"
        let within = map["collect_within"].map { $0.duration(in: 60...(365 * 86_400)) } ?? nil
        let deadline = map["deadline"].map { $0.wallClockDeadline() } ?? nil
        switch (map["collect_within"], map["deadline"]) {
        case (nil, nil): value.report("a rule needs collect_within (e.g. 4h) or deadline (e.g. \"08:00 next business day\")")
        case (.some, .some): map["deadline"]?.report("give collect_within or deadline, not both")
        default: break
        }
        let warning = map["warning_before"].map { $0.duration(in: 60...(30 * 86_400)) } ?? nil
        let repeatEvery = map["repeat_every"].map { $0.duration(in: 60...(30 * 86_400)) } ?? nil
        if let within, let warning, warning >= within {
            map["warning_before"]?.report("the warning (\(DurationText.format(warning)) before the deadline) would come before the delivery; make it shorter than collect_within (\(DurationText.format(within)))")
        }
        if let within, within >= retention {
            map["collect_within"]?.report("cannot be met: retention (\(DurationText.format(retention))) removes the file before this deadline; shorten it or raise retention")
        }
        if map["collect_within"] != nil && within == nil || map["deadline"] != nil && deadline == nil { return nil }
        if map["warning_before"] != nil && warning == nil || map["repeat_every"] != nil && repeatEvery == nil { return nil }
        return PickupRule(pattern: pattern, collectWithinSeconds: within, deadline: deadline,
                          warningBeforeSeconds: warning, repeatEverySeconds: repeatEvery)
    }

    private func readMonitorLogin(_ value: YAMLValue) -> MonitorLogin? {
        guard let map = value.mapping(allowed: ["host", "port", "user", "private_key", "passphrase_env", "passphrase_file",
                                                "passphrase", "host_key_fingerprints", "inbox_root"]) else { return nil }
        if let secret = map["passphrase"] {
            secret.report("a passphrase never goes in the configuration file; use passphrase_env or passphrase_file")
        }
        let host = required(map, "host", in: value)?.line()
        let port = map["port"].map { $0.int(in: 1...65535) } ?? 22
        let user = required(map, "user", in: value)?.line()
        let key = required(map, "private_key", in: value)?.line().map(resolve)
        let passphraseEnv = map["passphrase_env"]?.line()
        let passphraseFile = map["passphrase_file"]?.line().map(resolve)
        checkKeyFile(map["private_key"], key, passphraseGiven: passphraseEnv != nil || passphraseFile != nil)
        checkSecretFile(map["passphrase_file"], passphraseFile)
        let fingerprints = readHostKeyFingerprints(map, in: value)
        let root = map["inbox_root"]?.line() ?? "{system}"
        if !root.contains("{system}") && !root.contains("{user}") {
            map["inbox_root"]?.report("'\(root.displaySafe(limit: 60))' names no system: write it with {system} (or {user}), e.g. inboxes/{system}")
        } else if root.split(separator: "/").contains("..") {
            map["inbox_root"]?.report("'\(root.displaySafe(limit: 60))' contains '..'; give the folder below the monitoring login's root")
        }
        guard let host, let port, let user, let key else { return nil }
        return MonitorLogin(host: host, port: port, user: user, privateKeyPath: key, passphraseEnv: passphraseEnv,
                            passphraseFile: passphraseFile, hostKeyFingerprints: fingerprints,
                            inboxRoot: root)
    }

    private func readWebhook(_ value: YAMLValue) -> WebhookTarget? {
        guard let map = value.mapping(allowed: ["name", "url", "secret_env", "secret_file", "secret"]) else { return nil }
        if let secret = map["secret"] {
            secret.report("a webhook secret never goes in the configuration file; name an environment variable with secret_env or a file (mode 0600) with secret_file")
        }
        let name = required(map, "name", in: value)?.label()
        let url = required(map, "url", in: value)?.line()
        if let url, URL(string: url).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
            map["url"]?.report("'\(url.displaySafe(limit: 80))' is not an http:// or https:// URL")
        }
        let env = map["secret_env"]?.line(), file = map["secret_file"]?.line().map(resolve)
        checkSecretFile(map["secret_file"], file)
        if env == nil && file == nil {
            value.report("a webhook needs secret_env or secret_file: its requests are signed (HMAC-SHA256)")
        }
        if env != nil && file != nil { map["secret_file"]?.report("give secret_env or secret_file, not both") }
        guard let name, let url else { return nil }
        return WebhookTarget(name: name, url: url, secretEnv: env, secretFile: file)
    }
}

extension YAMLValue {
    /// A duration such as `90s`, `15m`, `4h`, `14d` or `1h30m`, in whole seconds.
    /// Checked by `DurationText`, whose arithmetic cannot overflow: a value of any size is
    /// reported at its key ("longer than 3650d"), never a trap.
    func duration(in range: ClosedRange<Int>) -> Int? {
        guard let text = string() else { return nil }
        if let problem = DurationText.problem(text, "the duration", in: range) {
            report(problem)
            return nil
        }
        return DurationText.parse(text)
    }

    func wallClockDeadline() -> WallClockDeadline? {
        guard let text = string() else { return nil }
        guard let deadline = DurationText.parseDeadline(text) else {
            report("'\(text.displaySafe(limit: 60))' is not a deadline like \"08:00 next business day\", \"16:00 same business day\" or \"07:30 +2 business days\"")
            return nil
        }
        return deadline
    }
}

extension ConfigurationExport {
    /// The `monitoring:` block of one system (empty when it has none).
    static func monitoringLines(system: String, _ monitoring: MonitoringConfiguration) -> [String] {
        guard let r = monitoring.receiver(system) else { return [] }
        var out = ["    monitoring:", "      signal: \(r.signal.rawValue)"]
        if let m = r.movedTo { out.append("      moved_to: \(quote(m))") }
        if let s = r.receiptSuffix { out.append("      receipt_suffix: \(quote(s))") }
        if let s = r.retentionSeconds { out.append("      retention: \(DurationText.format(s))") }
        out.append("      rules:")
        for rule in r.rules {
            out.append("        - pattern: \(quote(rule.pattern))")
            if let s = rule.collectWithinSeconds { out.append("          collect_within: \(DurationText.format(s))") }
            if let d = rule.deadline { out.append("          deadline: \(quote(DurationText.formatDeadline(d)))") }
            if let s = rule.warningBeforeSeconds { out.append("          warning_before: \(DurationText.format(s))") }
            if let s = rule.repeatEverySeconds { out.append("          repeat_every: \(DurationText.format(s))") }
        }
        return out
    }

    /// The top-level `monitoring:` block.
    static func monitoringSettingsLines(_ s: MonitoringSettings) -> [String] {
        var out = ["monitoring:",
                   "  poll_interval: \(DurationText.format(s.pollIntervalSeconds))",
                   "  unreachable_after: \(DurationText.format(s.unreachableAfterSeconds))",
                   "  delivery_failures: \(s.deliveryFailureThreshold)",
                   "  repeat_every: \(DurationText.format(s.repeatEverySeconds))",
                   "  retention: \(DurationText.format(s.defaultRetentionSeconds))",
                   "  logins:"]
        for l in s.logins {
            out.append("    - host: \(quote(l.host))")
            out.append("      port: \(l.port)")
            out.append("      user: \(quote(l.user))")
            out.append("      private_key: \(quote(l.privateKeyPath))")
            if let e = l.passphraseEnv { out.append("      passphrase_env: \(quote(e))") }
            if let f = l.passphraseFile { out.append("      passphrase_file: \(quote(f))") }
            out.append("      host_key_fingerprints: [\(l.hostKeyFingerprints.map(quote).joined(separator: ", "))]")
            out.append("      inbox_root: \(quote(l.inboxRoot))")
        }
        out.append("  webhooks:")
        for w in s.webhooks {
            out.append("    - name: \(quote(w.name))")
            out.append("      url: \(quote(w.url))")
            if let e = w.secretEnv { out.append("      secret_env: \(quote(e))") }
            if let f = w.secretFile { out.append("      secret_file: \(quote(f))") }
        }
        return out
    }
}

extension ConfigurationDiff {
    /// Monitoring changes, one line per receiver and one for the platform settings.
    static func monitoringChanges(_ current: MonitoringConfiguration, _ desired: MonitoringConfiguration) -> [Change] {
        var changes: [Change] = []
        if current.settings != desired.settings {
            changes.append(Change(kind: .changed, subject: "monitoring settings",
                                  fields: [ConfigurationExport.monitoringSettingsLines(desired.settings).dropFirst()
                                    .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")]))
        }
        let old = Dictionary(current.receivers.map { ($0.system, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(desired.receivers.map { ($0.system, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, r) in new.sorted(by: { $0.key < $1.key }) where old[name] != r {
            let text = ConfigurationExport.monitoringLines(system: name, desired).dropFirst()
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            changes.append(Change(kind: old[name] == nil ? .added : .changed, subject: "monitoring of \(name)", fields: [text]))
        }
        for name in old.keys.sorted() where new[name] == nil {
            changes.append(Change(kind: .removed, subject: "monitoring of \(name)", fields: []))
        }
        return changes
    }
}
