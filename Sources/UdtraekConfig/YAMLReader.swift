import Foundation
import Store
import Yams

/// Collects issues while a configuration file is read, so reading goes on after the first
/// mistake and the operator gets all of them; up to `ConfigurationError.shownIssues` are
/// kept, the rest only counted (a file of a million wrong entries must not print millions
/// of lines or hold them all in memory).
final class IssueCollector {
    let file: String
    private(set) var issues: [ConfigurationIssue] = []
    private(set) var omitted = 0

    init(file: String) { self.file = file }

    var isEmpty: Bool { issues.isEmpty && omitted == 0 }

    func report(_ message: String, key: String, at mark: Mark?) {
        guard issues.count < ConfigurationError.shownIssues else { omitted += 1; return }
        issues.append(ConfigurationIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                         key: key.displaySafe(limit: 200), message: message))
    }

    var error: ConfigurationError { ConfigurationError(issues: issues, omitted: omitted) }
}

/// A YAML node with its key path, giving typed access that reports what is wrong where.
/// String values may refer to the environment: `${NAME}` or `${NAME:-default}`.
struct YAMLValue {
    let node: Node
    let key: String
    let issues: IssueCollector
    let environment: [String: String]

    var mark: Mark? { node.mark }

    func report(_ message: String) { issues.report(message, key: key, at: mark) }

    func child(_ node: Node, _ key: String) -> YAMLValue {
        YAMLValue(node: node, key: key, issues: issues, environment: environment)
    }

    /// The mapping's values by key; unknown and duplicate keys are reported.
    func mapping(allowed: [String]) -> [String: YAMLValue]? {
        guard let mapping = node.mapping else {
            report("expected a mapping (key: value lines), found \(kind)")
            return nil
        }
        var result: [String: YAMLValue] = [:]
        for (k, v) in mapping {
            let name = k.string ?? ""
            let path = key.isEmpty ? name : "\(key).\(name)"
            if !allowed.contains(name) {
                let suggestion = name.count > 64 ? "" : allowed.min { editDistance($0, name) < editDistance($1, name) }
                    .flatMap { editDistance($0, name) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
                issues.report("unknown key '\(name.displaySafe(limit: 40))'\(suggestion); allowed here: \(allowed.joined(separator: ", "))",
                              key: path, at: k.mark)
                continue
            }
            if result[name] != nil {
                issues.report("the key '\(name)' appears twice", key: path, at: k.mark)
                continue
            }
            result[name] = child(v, path)
        }
        return result
    }

    /// The items of a sequence, each with `key[i]` as its path.
    func sequence() -> [YAMLValue]? {
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
        guard let sequence = node.sequence else {
            report("expected a list (lines starting with '- '), found \(kind)")
            return nil
        }
        return sequence.enumerated().map { child($1, "\(key)[\($0)]") }
    }

    /// The longest text value, in UTF-8 bytes: Linux's PATH_MAX, since the longest values
    /// are paths. Longer values are refused by name, not carried into the state.
    static let maximumTextBytes = 4096

    /// A non-empty string, with `${...}` expanded: at most `maximumTextBytes`, and only
    /// characters XML 1.0 can carry (no NUL, ESC or other C0 controls but tab and line
    /// breaks), since values reach metadata documents, terminals and the audit log.
    func string() -> String? {
        guard case .scalar(let scalar) = node else {
            report("expected a text value, found \(kind)")
            return nil
        }
        guard let expanded = expand(scalar.string) else { return nil }
        if expanded.isEmpty { report("must not be empty"); return nil }
        if expanded.utf8.count > Self.maximumTextBytes {
            report("the value is \(expanded.utf8.count) bytes long; at most \(Self.maximumTextBytes) are accepted")
            return nil
        }
        if let bad = InputText.firstNonXMLCharacter(in: expanded) {
            report("'\(expanded.displaySafe(limit: 60))' holds the control character \(bad.codePoint), which no value may hold")
            return nil
        }
        return expanded
    }

    /// A value that is shown in one line wherever it appears (names, hosts, users): no
    /// control character at all, tab and line breaks included.
    func line() -> String? {
        guard let text = string() else { return nil }
        if let bad = text.unicodeScalars.first(where: InputText.isControl) {
            report("'\(text.displaySafe(limit: 60))' holds the control character \(bad.codePoint); give it on one line")
            return nil
        }
        return text
    }

    func int(in range: ClosedRange<Int>) -> Int? {
        guard let text = string() else { return nil }
        guard text.utf8.count <= 20, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 == 0x2D }),
              let value = Int(text), range.contains(value) else {
            report("'\(text.displaySafe(limit: 40))' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    func bool() -> Bool? {
        guard let text = string() else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: report("'\(text.displaySafe(limit: 40))' is not true or false"); return nil
        }
    }

    /// One of the allowed words.
    func oneOf(_ allowed: [String]) -> String? {
        guard let text = string() else { return nil }
        guard allowed.contains(text) else {
            report("'\(text.displaySafe(limit: 40))' is not one of: \(allowed.joined(separator: ", "))")
            return nil
        }
        return text
    }

    /// A name (of a system, an extract, a token, a webhook): lowercase letters, digits, '.',
    /// '_' and '-', starting with a letter or digit, at most `maximumNameLength` characters.
    func name() -> String? {
        guard let text = line() else { return nil }
        guard text.count <= Self.maximumNameLength, text.range(of: "^[a-z0-9][a-z0-9._-]*$", options: .regularExpression) != nil else {
            report(text.count > Self.maximumNameLength
                   ? "'\(text.displaySafe(limit: 40))' is \(text.count) characters long; a name has at most \(Self.maximumNameLength)"
                   : "'\(text.displaySafe(limit: 40))' may hold only lowercase letters, digits, '.', '_' and '-'")
            return nil
        }
        return text
    }

    /// A free-form label (an operator token's name, a webhook's name): one line of at
    /// most `maximumNameLength` characters.
    func label() -> String? {
        guard let text = line() else { return nil }
        guard text.count <= Self.maximumNameLength else {
            report("'\(text.displaySafe(limit: 40))' is \(text.count) characters long; a name has at most \(Self.maximumNameLength)")
            return nil
        }
        return text
    }

    /// The longest name: 64 characters. Names appear in file names (`{extract}`), metric
    /// labels, log lines and table columns.
    static let maximumNameLength = 64

    func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.string() }
        return values.count == items.count ? values : nil
    }

    private var kind: String {
        switch node {
        case .scalar(let s): return "the text '\(s.string.displaySafe(limit: 40))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// `${NAME}` and `${NAME:-default}`; an unset variable without default is an error.
    private func expand(_ text: String) -> String? {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                report("unclosed '${' in '\(text.displaySafe(limit: 60))'")
                return nil
            }
            let inner = rest[open.upperBound..<close]
            let parts = inner.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            if let value = environment[name], !value.isEmpty {
                result += value
            } else if parts.count == 2 {
                result += parts[1]
            } else {
                report("the environment variable \(name.displaySafe(limit: 60)) is not set (write ${\(name.displaySafe(limit: 60)):-default} to give a default)")
                return nil
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}

/// Levenshtein distance, for "did you mean" on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
