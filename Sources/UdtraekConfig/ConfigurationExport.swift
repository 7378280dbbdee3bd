import Store

/// Writes the current state back out in the configuration file's format, so a state
/// changed at run time (change orders, the API) can be reviewed and committed.
public enum ConfigurationExport {
    public static func yaml(_ snapshot: ConfigurationSnapshot) -> String {
        var out = ["# udtraek configuration, exported from the state database.", "platform:"]
        out.append("  sender: \(quote(snapshot.platform.sender))")
        if let s = snapshot.platform.senderItSystem { out.append("  sender_it_system: \(s)") }
        out.append("sources:")
        out.append("  epoch: \(snapshot.sources.epoch)")
        out.append("  cpr: { seed: \(snapshot.sources.cprSeed), persons: \(snapshot.sources.cprPersons) }")
        out.append("  kle: { seed: \(snapshot.sources.kleSeed) }")
        out.append("municipalities:")
        for m in snapshot.municipalities {
            out.append("  - { code: \"\(m.code)\", name: \(quote(m.name))" + (m.uuid.map { ", uuid: \($0)" } ?? "") + " }")
        }
        out.append("systems:")
        for s in snapshot.systems {
            out.append("  - name: \(s.name)")
            if let uuid = s.uuid { out.append("    uuid: \(uuid)") }
            if !s.description.isEmpty { out.append("    description: \(quote(s.description))") }
            if let supplier = s.supplier { out.append("    supplier: \(quote(supplier))") }
            out.append("    inbox:")
            out.append("      host: \(quote(s.sftpHost))")
            out.append("      port: \(s.sftpPort)")
            out.append("      user: \(quote(s.sftpUser))")
            out.append("      path: \(quote(s.inboxPath))")
            out.append("      private_key: \(quote(s.privateKeyPath))")
            if let e = s.passphraseEnv { out.append("      passphrase_env: \(quote(e))") }
            if let f = s.passphraseFile { out.append("      passphrase_file: \(quote(f))") }
            out.append("      host_key_fingerprints:")
            for f in s.hostKeyFingerprints { out.append("        - \(quote(f))") }
            out.append("      existing_target: \(s.existingTarget.rawValue)")
            if let infRef = s.infRef { out.append("    infref: \(quote(infRef))") }
            out += senderLines(s.sender)
            out += monitoringLines(system: s.name, snapshot.monitoring)
            if let c = snapshot.gateway.certificates.first(where: { $0.system == s.name }) { out += gatewayCertificate(c) }
        }
        out.append("agreements:")
        for a in snapshot.agreements {
            let terms = (a.sender.map { ", sender: \($0)" } ?? "") + (a.infRef.map { ", infref: \(quote($0))" } ?? "")
            out.append("  - { uuid: \(a.uuid), system: \(a.system), municipality: \"\(a.municipality)\", service: \(a.service)\(terms), state: \(a.state.rawValue) }")
        }
        out.append("extracts:")
        for e in snapshot.extracts {
            out.append("  - name: \(e.name)")
            out.append("    source: \(e.source.rawValue)")
            out.append("    kind: \(e.kind.rawValue)")
            out.append("    system: \(e.system)")
            out.append("    municipality: \"\(e.municipality)\"")
            if !e.recordTypes.isEmpty { out.append("    record_types: [\(e.recordTypes.map { "\"\($0)\"" }.joined(separator: ", "))]") }
            if let level = e.gzipLevel { out.append("    gzip_level: \(level)") } else { out.append("    compression: none") }
            out.append("    file_name: \(quote(e.fileNameTemplate))")
            out.append("    task_number: \(e.taskNumber)")
            if let schedule = snapshot.schedules.first(where: { $0.extract == e.name }) { out += scheduleLines(schedule) }
        }
        if snapshot.api != APISettings() {
            out.append("api:")
            if let listen = snapshot.api.listen { out.append("  listen: \(quote(listen))") }
            out.append("  tokens:")
            for t in snapshot.api.tokens {
                let source = t.secret.env.map { "env: \(quote($0))" } ?? "file: \(quote(t.secret.file ?? ""))"
                out.append("    - { name: \(quote(t.name)), \(source) }")
            }
        }
        out += monitoringSettingsLines(snapshot.monitoring.settings)
        out += gatewaySection(snapshot.gateway.settings)
        return out.joined(separator: "\n") + "\n"
    }

    static func scheduleLines(_ s: ExtractSchedule) -> [String] {
        var out = ["    schedule:", "      cron: \(quote(s.cron))", "      time_zone: \(quote(s.timeZone))",
                   "      calendar: \(s.calendar)"]
        if !s.constitutionDay { out.append("      constitution_day: false") }
        if !s.include.isEmpty { out.append("      include: [\(s.include.joined(separator: ", "))]") }
        if !s.exclude.isEmpty { out.append("      exclude: [\(s.exclude.joined(separator: ", "))]") }
        out.append("      overlap: \(s.overlap)")
        out.append("      catch_up: \(s.catchUp)")
        if !s.enabled { out.append("      enabled: false") }
        return out
    }

    /// Double-quoted YAML scalar; safe for any text.
    static func quote(_ text: String) -> String {
        var escaped = ""
        for ch in text.unicodeScalars {
            switch ch {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default: escaped.unicodeScalars.append(ch)
            }
        }
        return "\"\(escaped)\""
    }
}
