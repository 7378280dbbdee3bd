import Store

/// Writes the current state back out in the configuration file's format, so a state
/// changed at run time (change orders, the API) can be reviewed and committed.
public enum ConfigurationExport {
    public static func yaml(_ snapshot: ConfigurationSnapshot) -> String {
        var out = ["# udtraek configuration, exported from the state database.", "platform:"]
        out.append("  sender: \(quote(snapshot.platform.sender))")
        if let s = snapshot.platform.senderItSystem { out.append("  sender_it_system: \(s)") }
        out.append("municipalities:")
        for m in snapshot.municipalities { out.append("  - { code: \"\(m.code)\", name: \(quote(m.name)) }") }
        out.append("systems:")
        for s in snapshot.systems {
            out.append("  - name: \(s.name)")
            if let uuid = s.uuid { out.append("    uuid: \(uuid)") }
            if !s.description.isEmpty { out.append("    description: \(quote(s.description))") }
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
        }
        out.append("agreements:")
        for a in snapshot.agreements {
            out.append("  - { uuid: \(a.uuid), system: \(a.system), municipality: \"\(a.municipality)\", service: \(a.service), state: \(a.state.rawValue) }")
        }
        return out.joined(separator: "\n") + "\n"
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
