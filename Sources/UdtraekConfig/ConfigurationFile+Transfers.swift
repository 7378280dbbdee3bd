import Foundation
import Store

/// File transfer between systems in the configuration file: `sender:` under a system that
/// drops files for others in its `OUT/` folder, and the `file-transfer` agreements naming
/// which sender may send which data type (`infref`) to the system.
///
/// ```yaml
/// systems:
///   - name: fagsystem
///     inbox: { ... }
///     sender: { path: OUT, poll_interval: 30s, processed: delete, untriggered_after: 1h }
/// agreements:
///   - { uuid: ..., system: esdh-aarhus, municipality: "0751", service: file-transfer,
///       sender: fagsystem, infref: "urn:oio:sagdok:dokument:1", state: approved }
/// ```
extension SnapshotReader {
    static let senderKeys = ["path", "poll_interval", "processed", "move_to", "untriggered_after"]

    func readSender(_ value: YAMLValue, inboxPath: String?) -> SenderSettings? {
        guard let map = value.mapping(allowed: Self.senderKeys) else { return nil }
        var settings = SenderSettings()
        if let v = map["path"] {
            guard let path = v.inboxFolder(relative: false) else { return nil }
            if path == inboxPath {
                v.report("'\(path.displaySafe(limit: 60))' is the system's inbox: files delivered to it would be routed again; senders drop files in their own folder (OUT)")
                return nil
            }
            settings.path = path
        }
        if let v = map["poll_interval"] {
            guard let s = v.duration(in: 1...86_400) else { return nil }
            settings.pollIntervalSeconds = s
        }
        if let v = map["untriggered_after"] {
            guard let s = v.duration(in: 60...(30 * 86_400)) else { return nil }
            settings.untriggeredAfterSeconds = s
        }
        if let v = map["processed"] {
            guard let word = v.oneOf(ProcessedAction.allCases.map(\.rawValue)), let action = ProcessedAction(rawValue: word) else { return nil }
            settings.processed = action
        }
        if let v = map["move_to"] {
            guard let folder = v.inboxFolder(relative: true) else { return nil }
            if settings.processed != .moveTo {
                v.report("move_to applies to processed: move-to only ('\(folder.displaySafe(limit: 60))' would be ignored)")
                return nil
            }
            if folder == settings.path || folder == inboxPath {
                v.report("'\(folder.displaySafe(limit: 60))' is the sender's own folder or its inbox; give a folder of its own, e.g. \(settings.path)/processed")
                return nil
            }
            settings.moveTo = folder
        }
        if settings.processed == .moveTo && settings.moveTo == nil {
            value.report("processed: move-to needs move_to, the folder (relative to the login root, e.g. \(settings.path)/processed) routed files are moved to")
            return nil
        }
        return settings
    }

    /// The `sender` and `infref` of an agreement: required for `file-transfer`, refused for
    /// every other service.
    func readFileTransferTerms(_ map: [String: YAMLValue], in value: YAMLValue, service: String?, system: String?,
                               known: KnownNames) -> (sender: String?, infRef: String?, ok: Bool) {
        guard service == "file-transfer" else {
            for key in ["sender", "infref"] where map[key] != nil {
                map[key]?.report("\(key) applies to service file-transfer only")
            }
            return (nil, nil, map["sender"] == nil && map["infref"] == nil)
        }
        let sender = required(map, "sender", in: value, hint: "the system that may send files to \(system ?? "the system")")?.string()
        if let sender {
            if !known.systems.contains(sender) {
                map["sender"]?.report("no system named '\(sender.displaySafe(limit: 40))' in the systems section")
            } else if !known.senders.contains(sender) {
                map["sender"]?.report("the system '\(sender.displaySafe(limit: 40))' sends nothing: give it a sender: section (its OUT folder)")
            } else if sender == system {
                map["sender"]?.report("a system does not send files to itself through the platform")
            }
        }
        guard required(map, "infref", in: value, hint: "the data type (InfRef) the sender may send, as its triggers name it") != nil,
              let infRef = map["infref"].flatMap(readInfRef) else { return (sender, nil, false) }
        let ok = sender.map { known.senders.contains($0) && $0 != system } ?? false
        return (sender, infRef, ok)
    }

    /// An `infref` value (an agreement's or a system's): one line the metadata can carry,
    /// at most 255 bytes; nil after reporting what is wrong.
    func readInfRef(_ value: YAMLValue) -> String? {
        guard let infRef = value.line() else { return nil }
        if let problem = InputText.infRefProblem(infRef, "infref") {
            value.report(problem)
            return nil
        }
        return infRef
    }
}

extension ConfigurationExport {
    static func senderLines(_ s: SenderSettings?) -> [String] {
        guard let s else { return [] }
        var out = ["    sender:", "      path: \(quote(s.path))", "      poll_interval: \(DurationText.format(s.pollIntervalSeconds))",
                   "      processed: \(s.processed.rawValue)"]
        if let m = s.moveTo { out.append("      move_to: \(quote(m))") }
        out.append("      untriggered_after: \(DurationText.format(s.untriggeredAfterSeconds))")
        return out
    }

    /// One line for the diff.
    static func senderText(_ s: SenderSettings?) -> String {
        guard let s else { return "" }
        return "path \(s.path), poll \(DurationText.format(s.pollIntervalSeconds)), \(s.processed.rawValue)"
            + (s.moveTo.map { " \($0)" } ?? "") + ", untriggered after \(DurationText.format(s.untriggeredAfterSeconds))"
    }
}
