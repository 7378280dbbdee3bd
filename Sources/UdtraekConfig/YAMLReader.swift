import Foundation
import Yams

/// Collects issues while a configuration file is read, so reading goes on after the first
/// mistake and the operator gets all of them.
final class IssueCollector {
    let file: String
    private(set) var issues: [ConfigurationIssue] = []

    init(file: String) { self.file = file }

    func report(_ message: String, key: String, at mark: Mark?) {
        issues.append(ConfigurationIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                         key: key, message: message))
    }
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
                let suggestion = allowed.min { editDistance($0, name) < editDistance($1, name) }
                    .flatMap { editDistance($0, name) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
                issues.report("unknown key '\(name)'\(suggestion); allowed here: \(allowed.joined(separator: ", "))",
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

    /// A non-empty string, with `${...}` expanded.
    func string() -> String? {
        guard case .scalar(let scalar) = node else {
            report("expected a text value, found \(kind)")
            return nil
        }
        guard let expanded = expand(scalar.string) else { return nil }
        if expanded.isEmpty { report("must not be empty"); return nil }
        return expanded
    }

    func int(in range: ClosedRange<Int>) -> Int? {
        guard let text = string() else { return nil }
        guard let value = Int(text), range.contains(value) else {
            report("'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    func bool() -> Bool? {
        guard let text = string() else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: report("'\(text)' is not true or false"); return nil
        }
    }

    /// One of the allowed words.
    func oneOf(_ allowed: [String]) -> String? {
        guard let text = string() else { return nil }
        guard allowed.contains(text) else {
            report("'\(text)' is not one of: \(allowed.joined(separator: ", "))")
            return nil
        }
        return text
    }

    func stringList() -> [String]? {
        guard let items = sequence() else { return nil }
        let values = items.compactMap { $0.string() }
        return values.count == items.count ? values : nil
    }

    private var kind: String {
        switch node {
        case .scalar(let s): return "the text '\(s.string)'"
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
                report("unclosed '${' in '\(text)'")
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
                report("the environment variable \(name) is not set (write ${\(name):-default} to give a default)")
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
