import Store

/// What `config apply` would change, entity by entity and field by field.
public struct ConfigurationDiff: Sendable, Equatable {
    public enum Kind: String, Sendable { case added = "+", removed = "-", changed = "~" }

    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public var kind: Kind
        /// e.g. `system demo-modtager`
        public var subject: String
        /// For changes: `field: old -> new` per changed field.
        public var fields: [String]

        /// One line, safe for a terminal: values from the file or the state (a name, a
        /// sender) are shown with control characters escaped (`\u{1B}`), never raw, so a
        /// value cannot rewrite what the operator sees.
        public var description: String {
            "\(kind.rawValue) \(subject.displaySafe(limit: 200))"
                + (fields.isEmpty ? "" : ": " + fields.map { $0.displaySafe(limit: 400) }.joined(separator: "; "))
        }
    }

    public var changes: [Change]

    public var isEmpty: Bool { changes.isEmpty }

    public static func between(_ current: ConfigurationSnapshot, _ desired: ConfigurationSnapshot) -> ConfigurationDiff {
        var changes: [Change] = []
        let platformFields = fieldChanges(current.platform, desired.platform, [
            ("sender", { $0.sender }), ("sender_it_system", { $0.senderItSystem ?? "" }),
        ])
        if !platformFields.isEmpty { changes.append(Change(kind: .changed, subject: "platform", fields: platformFields)) }
        changes += diff(current.municipalities, desired.municipalities, id: \.code, label: "municipality", fields: [
            ("name", { $0.name }), ("uuid", { $0.uuid ?? "" }),
        ])
        changes += diff(current.systems, desired.systems, id: \.name, label: "system", fields: [
            ("uuid", { $0.uuid ?? "" }), ("description", { $0.description }),
            ("host", { $0.sftpHost }), ("port", { String($0.sftpPort) }), ("user", { $0.sftpUser }),
            ("path", { $0.inboxPath }), ("private_key", { $0.privateKeyPath }),
            ("passphrase_env", { $0.passphraseEnv ?? "" }), ("passphrase_file", { $0.passphraseFile ?? "" }),
            ("host_key_fingerprints", { $0.hostKeyFingerprints.joined(separator: ",") }),
            ("existing_target", { $0.existingTarget.rawValue }),
            ("sender", { ConfigurationExport.senderText($0.sender) }), ("supplier", { $0.supplier ?? "" }),
            ("infref", { $0.infRef ?? "" }),
        ])
        changes += diff(current.agreements, desired.agreements, id: \.uuid, label: "agreement", fields: [
            ("system", { $0.system }), ("municipality", { $0.municipality }),
            ("service", { $0.service }), ("state", { $0.state.rawValue }),
            ("sender", { $0.sender ?? "" }), ("infref", { $0.infRef ?? "" }),
        ])
        let sourceFields = fieldChanges(current.sources, desired.sources, [
            ("cpr.seed", { String($0.cprSeed) }), ("cpr.persons", { String($0.cprPersons) }),
            ("epoch", { $0.epoch }), ("kle.seed", { String($0.kleSeed) }),
        ])
        if !sourceFields.isEmpty { changes.append(Change(kind: .changed, subject: "sources", fields: sourceFields)) }
        changes += diff(current.extracts, desired.extracts, id: \.name, label: "extract", fields: [
            ("source", { $0.source.rawValue }), ("kind", { $0.kind.rawValue }), ("system", { $0.system }),
            ("municipality", { $0.municipality }), ("record_types", { $0.recordTypes.joined(separator: ",") }),
            ("gzip_level", { $0.gzipLevel.map(String.init) ?? "none" }), ("file_name", { $0.fileNameTemplate }),
            ("task_number", { String($0.taskNumber) }),
        ])
        changes += diff(current.schedules, desired.schedules, id: \.extract, label: "schedule of", fields: [
            ("cron", { $0.cron }), ("time_zone", { $0.timeZone }), ("calendar", { $0.calendar }),
            ("constitution_day", { String($0.constitutionDay) }), ("include", { $0.include.joined(separator: ",") }),
            ("exclude", { $0.exclude.joined(separator: ",") }), ("overlap", { $0.overlap }), ("catch_up", { $0.catchUp }),
            ("enabled", { String($0.enabled) }),
        ])
        let apiFields = fieldChanges(current.api, desired.api, [
            ("listen", { $0.listen ?? "" }),
            ("tokens", { $0.tokens.map { "\($0.name) (\($0.secret.description))" }.joined(separator: ", ") }),
        ])
        if !apiFields.isEmpty { changes.append(Change(kind: .changed, subject: "api", fields: apiFields)) }
        changes += monitoringChanges(current.monitoring, desired.monitoring)
        changes += gatewayChanges(current.gateway, desired.gateway)
        return ConfigurationDiff(changes: changes)
    }

    static func gatewayChanges(_ old: GatewayConfiguration, _ new: GatewayConfiguration) -> [Change] {
        var changes: [Change] = []
        switch (old.settings, new.settings) {
        case (nil, nil): break
        case (nil, .some): changes.append(Change(kind: .added, subject: "gateway", fields: []))
        case (.some, nil): changes.append(Change(kind: .removed, subject: "gateway", fields: []))
        case (let a?, let b?):
            let getters: [(String, (GatewaySettings) -> String)] = [
                ("listen.host", { $0.host }), ("listen.port", { String($0.port) }),
                ("tls.certificate", { $0.certificatePath ?? "" }), ("tls.private_key", { $0.privateKeyPath ?? "" }),
                ("tls.client_ca", { $0.clientCAPath ?? "" }), ("plain_http", { String($0.plainHTTP) }),
                ("max_concurrent_calls_per_system", { String($0.maxConcurrentCallsPerSystem) }),
                ("breach_alarm_share", { String($0.breachAlarmShare) }),
                ("slow_client_grace_seconds", { String($0.slowClientGraceSeconds) }),
            ]
            let fields = fieldChanges(a, b, getters)
            if !fields.isEmpty { changes.append(Change(kind: .changed, subject: "gateway", fields: fields)) }
        }
        changes += diff(old.certificates, new.certificates, id: \.system, label: "certificate of system", fields: [
            ("subject", { $0.subject ?? "" }), ("fingerprint", { $0.fingerprint ?? "" }),
        ])
        return changes
    }

    private static func diff<T>(_ old: [T], _ new: [T], id: KeyPath<T, String>, label: String,
                                fields: [(String, (T) -> String)]) -> [Change] {
        var result: [Change] = []
        let oldByID = Dictionary(old.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { a, _ in a })
        let newIDs = Set(new.map { $0[keyPath: id] })
        for item in new {
            let key = item[keyPath: id]
            if let before = oldByID[key] {
                let changed = fieldChanges(before, item, fields)
                if !changed.isEmpty { result.append(Change(kind: .changed, subject: "\(label) \(key)", fields: changed)) }
            } else {
                result.append(Change(kind: .added, subject: "\(label) \(key)", fields: []))
            }
        }
        for item in old where !newIDs.contains(item[keyPath: id]) {
            result.append(Change(kind: .removed, subject: "\(label) \(item[keyPath: id])", fields: []))
        }
        return result
    }

    private static func fieldChanges<T>(_ a: T, _ b: T, _ fields: [(String, (T) -> String)]) -> [String] {
        fields.compactMap { name, get in
            let (x, y) = (get(a), get(b))
            return x == y ? nil : "\(name) \(x.isEmpty ? "(none)" : x) -> \(y.isEmpty ? "(none)" : y)"
        }
    }
}
