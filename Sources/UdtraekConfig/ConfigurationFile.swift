import BusinessCalendar
import Extracts
import Foundation
import SFTPClient
import SourceStubs
import Runtime
import Store
import Yams

/// The human-edited configuration (`Config/udtraek.yaml`), read and checked as a whole.
///
/// Relative paths in it (private keys, passphrase files) are relative to the directory
/// holding the file, so the same file works from any working directory.
public struct ConfigurationFile: Sendable {
    public let path: String
    public let snapshot: ConfigurationSnapshot

    /// The largest configuration file read: 16 MiB, far more than a country's systems and
    /// agreements need, small enough that a wrong path (a log, a disk image) is refused.
    public static let maximumFileBytes = 16 << 20

    /// Reads and validates `path`. Throws `ConfigurationError` listing every problem.
    ///
    /// With `checkingFiles` (what `config check`, `config apply` and the demo ask for) the
    /// files the configuration names are checked too, by the rules the service applies when
    /// it uses them: private keys (`PrivateKeyFile`: exists, a regular file, owner-only, a
    /// key) and secret files (`SecretSource`: a regular file only its owner can read).
    /// Without it (test fixtures that describe systems on paper) only the text is checked.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            checkingFiles: Bool = false) throws -> ConfigurationFile {
        func refuse(_ message: String) -> ConfigurationError {
            ConfigurationError(issues: [ConfigurationIssue(file: path, line: 1, column: 1, key: "", message: message)])
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw refuse("cannot read the file (does it exist?)") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data() } catch {
            throw refuse("cannot read the file: \(error.localizedDescription) (is it a directory?)")
        }
        guard data.count <= maximumFileBytes else {
            throw refuse("the file is larger than \(maximumFileBytes >> 20) MiB; is this the configuration?")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw refuse("the file is not UTF-8 text") }
        return try parse(text, path: path, environment: environment, checkingFiles: checkingFiles)
    }

    /// Validates configuration text as if it were the file at `path` (relative paths in it
    /// are relative to `path`'s directory). The files it names are checked only with
    /// `checkingFiles` (see `load`).
    public static func parse(_ text: String, path: String, environment: [String: String] = [:],
                             checkingFiles: Bool = false) throws -> ConfigurationFile {
        let issues = IssueCollector(file: path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(issues: [ConfigurationIssue(file: path, line: 1, column: 1, key: "", message: "the file is empty")])
            }
            root = node
        } catch YamlError.duplicatedKeysInMapping {
            throw DuplicateKeys.error(in: text, file: path)
        } catch let error as YamlError {
            throw ConfigurationError(issues: [yamlIssue(error, file: path)])
        }
        let base = (path as NSString).deletingLastPathComponent
        var reader = SnapshotReader(issues: issues, baseDirectory: base.isEmpty ? "." : base, checkingFiles: checkingFiles)
        let snapshot = reader.read(YAMLValue(node: root, key: "", issues: issues, environment: environment))
        guard issues.isEmpty else { throw issues.error }
        return ConfigurationFile(path: path, snapshot: snapshot)
    }

    /// Makes the state equal to this file in one transaction with its audit row, and
    /// returns what changed (nothing is written when nothing changes). `at` is the time of
    /// the apply: schedules changed by it start from then.
    @discardableResult
    public func apply(to store: Store, actor: String, dryRun: Bool = false, at now: Date = RuntimeClock.system.date) throws -> ConfigurationDiff {
        let diff = ConfigurationDiff.between(try store.configuration().configOwned, snapshot)
        guard !diff.isEmpty, !dryRun else { return diff }
        try store.replaceConfiguration(with: snapshot, audit: AuditEntry(
            at: now, actor: actor, action: "config.apply", subject: path,
            detail: diff.changes.map(\.description).joined(separator: "\n")))
        return diff
    }

    private static func yamlIssue(_ error: YamlError, file: String) -> ConfigurationIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationIssue(file: file, line: mark.line, column: mark.column, key: "", message: "not valid YAML: \(problem.displaySafe(limit: 200))")
        case .reader(let problem, _, _, _):
            return ConfigurationIssue(file: file, line: 1, column: 1, key: "", message: "not valid YAML: \(problem.displaySafe(limit: 200))")
        default:
            // Never the error's own description: some cases carry the whole file.
            return ConfigurationIssue(file: file, line: 1, column: 1, key: "", message: "not valid YAML")
        }
    }
}

/// Reads the sections into store records, checking each value and the references
/// between them (an agreement's system and municipality must exist).
struct SnapshotReader {
    let issues: IssueCollector
    let baseDirectory: String
    /// Whether the files named (keys, secret files) are checked on disk.
    var checkingFiles = false

    static let topLevelKeys = ["platform", "sources", "municipalities", "systems", "agreements", "extracts", "api", "monitoring", "gateway"]

    mutating func read(_ root: YAMLValue) -> ConfigurationSnapshot {
        var snapshot = ConfigurationSnapshot()
        guard let top = root.mapping(allowed: Self.topLevelKeys) else { return snapshot }
        if let platform = top["platform"] { snapshot.platform = readPlatform(platform) }
        snapshot.municipalities = top["municipalities"]?.sequence()?.compactMap(readMunicipality) ?? []
        snapshot.systems = top["systems"]?.sequence()?.compactMap(readSystem) ?? []
        let agreementValues = top["agreements"]?.sequence() ?? []
        let known = KnownNames(systems: Set(snapshot.systems.map(\.name)), municipalities: Set(snapshot.municipalities.map(\.code)),
                               senders: Set(snapshot.systems.filter { $0.sender != nil }.map(\.name)))
        snapshot.agreements = agreementValues.compactMap { readAgreement($0, known: known) }
        if let sources = top["sources"] { snapshot.sources = readSources(sources) }
        let extractValues = top["extracts"]?.sequence() ?? []
        snapshot.extracts = extractValues.compactMap { readExtract($0, known: known) }.sorted { $0.name < $1.name }
        let extractNames = Set(snapshot.extracts.map(\.name))
        snapshot.schedules = extractValues.compactMap(readSchedule(ofExtract:))
            .filter { extractNames.contains($0.extract) }.sorted { $0.extract < $1.extract }
        if let api = top["api"] { snapshot.api = readAPI(api) }
        if let monitoring = top["monitoring"] { snapshot.monitoring.settings = readMonitoringSettings(monitoring) }
        snapshot.monitoring.receivers = readReceiverMonitoring(top["systems"]?.sequence(), settings: snapshot.monitoring.settings)
        reportDuplicates(extractValues, id: "name", "extract name")
        reportDuplicates(top["municipalities"]?.sequence(), id: "code", "municipality code")
        reportDuplicates(top["systems"]?.sequence(), id: "name", "system name")
        reportDuplicates(agreementValues, id: "uuid", "agreement uuid")
        snapshot.gateway = GatewayConfiguration(settings: top["gateway"].flatMap(readGateway),
                                                certificates: readSystemCertificates(top["systems"]?.sequence()))
        return snapshot
    }

    private func readPlatform(_ value: YAMLValue) -> PlatformSettings {
        var settings = PlatformSettings()
        guard let map = value.mapping(allowed: ["sender", "sender_it_system"]) else { return settings }
        if let value = map["sender"], let sender = value.string() {
            if let problem = InputText.metadataProblem(sender, "sender") { value.report(problem) } else { settings.sender = sender }
        }
        if let uuid = map["sender_it_system"] {
            settings.senderItSystem = uuid.string()
            if let s = settings.senderItSystem, !isLowercaseUUID(s) { uuid.report("'\(s.displaySafe(limit: 40))' is not a lowercase UUID") }
        }
        return settings
    }

    private func readMunicipality(_ value: YAMLValue) -> Municipality? {
        guard let map = value.mapping(allowed: ["code", "name", "uuid"]) else { return nil }
        let code = required(map, "code", in: value)?.string()
        let name = required(map, "name", in: value)?.line()
        if let code, !(code.count == 4 && code.allSatisfy(\.isASCII) && code.allSatisfy(\.isNumber)) {
            map["code"]?.report("'\(code.displaySafe(limit: 40))' is not a four-digit municipality code (write it quoted, e.g. \"0101\")")
            return nil
        }
        if let code, CPRMunicipalities.named(code) == nil {
            map["code"]?.report("'\(code)' is not one of Denmark's 98 municipality codes")
            return nil
        }
        guard let code, let name else { return nil }
        return Municipality(code: code, name: name, uuid: readMunicipalityUUID(map))
    }

    private func readSystem(_ value: YAMLValue) -> ReceiverSystem? {
        guard let map = value.mapping(allowed: ["name", "uuid", "description", "inbox", "monitoring", "certificate", "sender", "supplier", "infref"])
        else { return nil }
        let name = required(map, "name", in: value)?.name()
        let uuid = map["uuid"]?.string()
        if let uuid, !isLowercaseUUID(uuid) { map["uuid"]?.report("'\(uuid.displaySafe(limit: 40))' is not a lowercase UUID") }
        let description = map["description"]?.string() ?? ""
        guard let inboxValue = required(map, "inbox", in: value),
              let inbox = inboxValue.mapping(allowed: ["host", "port", "user", "path", "private_key", "passphrase_env",
                                                       "passphrase_file", "passphrase", "host_key_fingerprints", "existing_target"])
        else { return nil }
        if let secret = inbox["passphrase"] {
            secret.report("a passphrase never goes in the configuration file; name an environment variable with passphrase_env or a file (mode 0600) with passphrase_file")
        }
        let host = required(inbox, "host", in: inboxValue)?.line()
        let port = inbox["port"].map { $0.int(in: 1...65535) } ?? 22
        let user = required(inbox, "user", in: inboxValue)?.line()
        let path = inbox["path"].map { $0.inboxFolder(relative: false) } ?? "IN"
        let key = required(inbox, "private_key", in: inboxValue)?.line().map(resolve)
        let passphraseEnv = inbox["passphrase_env"]?.line()
        let passphraseFile = inbox["passphrase_file"]?.line().map(resolve)
        if passphraseEnv != nil && passphraseFile != nil {
            inbox["passphrase_file"]?.report("give passphrase_env or passphrase_file, not both")
        }
        checkKeyFile(inbox["private_key"], key, passphraseGiven: passphraseEnv != nil || passphraseFile != nil)
        checkSecretFile(inbox["passphrase_file"], passphraseFile)
        let fingerprints = readHostKeyFingerprints(inbox, in: inboxValue)
        let policy = inbox["existing_target"]?.oneOf(ExistingTargetPolicy.allCases.map(\.rawValue))
            .flatMap(ExistingTargetPolicy.init(rawValue:)) ?? .refuse
        let sender = map["sender"].map { readSender($0, inboxPath: path) }
        if case .some(.none) = sender { return nil }
        // The supplier whose users act for the system in the administration module.
        let supplier = map["supplier"]?.line()
        if let supplier, supplier.range(of: "^cvr:[0-9]{8}$", options: .regularExpression) == nil {
            map["supplier"]?.report("'\(supplier.displaySafe(limit: 40))' is not a supplier organisation; write cvr: and the supplier's 8-digit CVR number, e.g. cvr:12345678")
        }
        let infRef = map["infref"].map(readInfRef)
        if case .some(.none) = infRef { return nil }
        guard let name, let host, let port, let user, let path, let key else { return nil }
        return ReceiverSystem(name: name, uuid: uuid, description: description, sftpHost: host, sftpPort: port,
                              sftpUser: user, inboxPath: path, privateKeyPath: key, passphraseEnv: passphraseEnv,
                              passphraseFile: passphraseFile, hostKeyFingerprints: fingerprints, existingTarget: policy,
                              sender: sender ?? nil, supplier: supplier, infRef: infRef ?? nil)
    }

    private func readAgreement(_ value: YAMLValue, known: KnownNames) -> ServiceAgreement? {
        guard let map = value.mapping(allowed: ["uuid", "system", "municipality", "service", "state", "sender", "infref"]) else { return nil }
        let uuid = required(map, "uuid", in: value)?.string()
        if let uuid, !isLowercaseUUID(uuid) {
            map["uuid"]?.report("'\(uuid.displaySafe(limit: 40))' is not a lowercase UUID (8-4-4-4-12 hexadecimal digits, a-f in lowercase)")
        }
        let system = required(map, "system", in: value)?.string()
        if let system, !known.systems.contains(system) {
            map["system"]?.report("no system named '\(system.displaySafe(limit: 40))' in the systems section")
        }
        let municipality = required(map, "municipality", in: value)?.string()
        if let municipality, !known.municipalities.contains(municipality) {
            map["municipality"]?.report("no municipality with code '\(municipality.displaySafe(limit: 40))' in the municipalities section")
        }
        let service = required(map, "service", in: value)?.oneOf(ServiceCatalog.all.map(\.key))
        let state = required(map, "state", in: value)?.oneOf(AgreementState.allCases.map(\.rawValue) + ["pending"])
            .flatMap(AgreementState.init(rawValue:))
        let terms = readFileTransferTerms(map, in: value, service: service, system: system, known: known)
        guard let uuid, let system, let municipality, let service, let state, terms.ok else { return nil }
        return ServiceAgreement(uuid: uuid, system: system, municipality: municipality, service: service, state: state,
                                sender: terms.sender, infRef: terms.infRef)
    }

    private func readSources(_ value: YAMLValue) -> SourceSettings {
        var settings = SourceSettings()
        guard let map = value.mapping(allowed: ["cpr", "kle", "epoch"]) else { return settings }
        if let value = map["epoch"], let epoch = value.string() {
            if let date = CivilDate(iso: epoch) {
                let range = CPRPopulation.epochs
                if range.contains(date) { settings.epoch = epoch } else {
                    value.report("'\(epoch)' is outside \(range.lowerBound)...\(range.upperBound), the first days for which every synthetic PNR follows CPR's century rule (people born after the epoch get years from 2000 on, people living at it keep the 7th digits of their birth years)")
                }
            } else { value.report("'\(epoch.displaySafe(limit: 40))' is not a date YYYY-MM-DD") }
        }
        if let cpr = map["cpr"]?.mapping(allowed: ["seed", "persons"]) {
            if let seed = cpr["seed"]?.int(in: 0...Int.max) { settings.cprSeed = UInt64(seed) }
            if let persons = cpr["persons"]?.int(in: 1...10_000_000) { settings.cprPersons = persons }
        }
        if let kle = map["kle"]?.mapping(allowed: ["seed"]), let seed = kle["seed"]?.int(in: 0...Int.max) {
            settings.kleSeed = UInt64(seed)
        }
        return settings
    }

    private func readExtract(_ value: YAMLValue, known: KnownNames) -> ExtractDefinition? {
        guard let map = value.mapping(allowed: ["name", "source", "kind", "system", "municipality", "record_types",
                                                "compression", "gzip_level", "file_name", "task_number", "schedule"]) else { return nil }
        let name = required(map, "name", in: value)?.name()
        let source = required(map, "source", in: value)?.oneOf(ExtractSource.allCases.map(\.rawValue)).flatMap(ExtractSource.init(rawValue:))
        let kind = required(map, "kind", in: value)?.oneOf(ExtractKind.configurable.map(\.rawValue)).flatMap(ExtractKind.init(rawValue:))
        if kind == .subscription, source == .kle {
            map["kind"]?.report("a subscription follows CPR persons; give source: cpr")
        }
        let system = required(map, "system", in: value)?.string()
        if let system, !known.systems.contains(system) {
            map["system"]?.report("no system named '\(system.displaySafe(limit: 40))' in the systems section")
        }
        let municipality = required(map, "municipality", in: value)?.string()
        if let municipality, !known.municipalities.contains(municipality) {
            map["municipality"]?.report("no municipality with code '\(municipality.displaySafe(limit: 40))' in the municipalities section")
        }
        var recordTypes: [String] = []
        if let list = map["record_types"], let items = list.sequence() {
            for item in items {
                guard let text = item.string() else { continue }
                let padded = text.count < 3 ? String(repeating: "0", count: 3 - text.count) + text : text
                if let type = CPRRecordType(rawValue: padded), type.isPersonRecord { recordTypes.append(padded) } else {
                    item.report("'\(text.displaySafe(limit: 40))' is not a CPR person record type; known: \(CPRRecordType.personRecordTypes.map(\.rawValue).sorted().joined(separator: ", "))")
                }
            }
            if source == .kle && !items.isEmpty { list.report("record_types apply to CPR extracts only") }
        }
        let compression = map["compression"]?.oneOf(["gzip", "none"]) ?? "gzip"
        let level = map["gzip_level"].map { $0.int(in: 1...9) } ?? 6
        let template = map["file_name"]?.string() ?? (source == .kle ? FileNameTemplate.kleDefault : FileNameTemplate.cprDefault)
        let task = map["task_number"].map { $0.int(in: 0...999_999) } ?? 1
        do {
            // The names it will make, tried with this extract's own values: the rule every
            // delivered name follows, here rather than at the first run.
            var sample = FileNameTemplate.sample
            if let name { sample.extract = name }
            if let kind { sample.kind = kind.rawValue }
            if let municipality { sample.municipality = municipality }
            if let task { sample.taskNumber = task }
            sample.compressed = compression != "none"
            _ = try FileNameTemplate(template).render(sample)
        } catch {
            (map["file_name"] ?? value).report(error.message)
        }
        guard let name, let source, let kind, let system, let municipality, let level, let task else { return nil }
        return ExtractDefinition(name: name, source: source, kind: kind, system: system, municipality: municipality,
                                 recordTypes: recordTypes, gzipLevel: compression == "none" ? nil : level,
                                 fileNameTemplate: template, taskNumber: task)
    }

    func required(_ map: [String: YAMLValue], _ key: String, in parent: YAMLValue, hint: String = "") -> YAMLValue? {
        if let value = map[key] { return value }
        let path = parent.key.isEmpty ? key : "\(parent.key).\(key)"
        issues.report("the key '\(key)' is missing" + (hint.isEmpty ? "" : "; \(hint)"), key: path, at: parent.mark)
        return nil
    }

    /// Checks a private key named at `value` by the rule the service applies when it logs
    /// in and SSH-key change orders apply when they are submitted (`PrivateKeyFile`).
    func checkKeyFile(_ value: YAMLValue?, _ path: String?, passphraseGiven: Bool) {
        guard checkingFiles, let value, let path,
              let problem = PrivateKeyFile.problem(path: path, passphraseGiven: passphraseGiven) else { return }
        value.report(problem)
    }

    /// Checks a secret file (a passphrase, a webhook secret, a token) by the rule it is read
    /// with (`SecretSource`), without reading the secret.
    func checkSecretFile(_ value: YAMLValue?, _ path: String?) {
        guard checkingFiles, let value, let path, let problem = SecretSource.fileProblem(path) else { return }
        value.report(problem.description)
    }

    /// `host_key_fingerprints` of an SFTP endpoint (a system's inbox, a monitoring login),
    /// normalised. Required and never empty, since host keys are always checked strictly;
    /// each entry that is not a SHA-256 fingerprint is reported at its own line.
    func readHostKeyFingerprints(_ map: [String: YAMLValue], in parent: YAMLValue) -> [String] {
        guard let list = required(map, "host_key_fingerprints", in: parent,
                                  hint: "pin the server's key: run `udtraek keys fingerprint --host H --port P` and confirm it with the server's operator"),
              let items = list.sequence()
        else { return [] }
        if items.isEmpty {
            list.report("at least one host-key fingerprint is required (strict host-key checking); run `udtraek keys fingerprint --host H --port P`")
        }
        return items.compactMap { item in
            guard let text = item.string() else { return nil }
            guard let normal = HostKeyFingerprint.normalise(text) else {
                item.report("'\(text.displaySafe(limit: 60))' is not a SHA-256 fingerprint like SHA256:<43 base64 characters>")
                return nil
            }
            return normal
        }
    }

    /// Reads the identifying key straight from each list item, so the report points at
    /// the second occurrence even when an earlier item was invalid and left out.
    private func reportDuplicates(_ items: [YAMLValue]?, id: String, _ what: String) {
        var seen = Set<String>()
        for item in items ?? [] {
            guard let value = item.node.mapping?[id]?.string, !seen.insert(value).inserted else { continue }
            issues.report("\(what) '\(value.displaySafe(limit: 60))' is defined twice", key: item.key, at: item.mark)
        }
    }

    /// Absolute, so the stored state works from any working directory.
    func resolve(_ path: String) -> String {
        var full = path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
        if !full.hasPrefix("/") { full = FileManager.default.currentDirectoryPath + "/" + full }
        return (full as NSString).standardizingPath
    }
}

/// The names other sections refer to, for O(1) checks of each reference.
struct KnownNames {
    var systems: Set<String>
    var municipalities: Set<String>
    /// Systems with a `sender:` section.
    var senders: Set<String> = []
}

extension YAMLValue {
    /// A folder on the receiver's server (`inbox.path`, `moved_to`), by the rule change
    /// orders apply to the same fields (`InboxFolder`).
    func inboxFolder(relative: Bool) -> String? {
        guard let text = string() else { return nil }
        if let problem = InboxFolder.problem(text, relative: relative) {
            report("'\(text.displaySafe(limit: 60))' cannot be used as the folder: \(problem)")
            return nil
        }
        return text
    }
}
