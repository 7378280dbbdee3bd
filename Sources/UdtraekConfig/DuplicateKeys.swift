import Store
import Yams

/// Reports keys written twice in one mapping at the line of the second one, with their
/// key path (`systems[0].inbox.port`).
///
/// Yams refuses such a file while composing it, naming only the first occurrence's position
/// and carrying the whole file in the error. So each duplicate is found from there (the next
/// key of that name at the same column, or later on the same line in a flow mapping), its
/// key is renamed in a copy of the text (keeping every line and column), and the copy is
/// composed again, until Yams accepts it; the key paths are then read off the copy's tree.
enum DuplicateKeys {
    /// At most this many duplicates are reported from one file (each costs a parse).
    static let limit = 20

    static func error(in text: String, file: String) -> ConfigurationError {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        var found: [(name: String, line: Int, column: Int, first: Int, marker: String)] = []
        var tree: Node?
        for round in 0..<limit {
            let current = lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
            do {
                tree = try Yams.compose(yaml: current)
                break
            } catch YamlError.duplicatedKeysInMapping(let names, let context) {
                guard let name = names.first else { break }
                guard let at = secondOccurrence(of: name, after: context.mark, in: lines) else {
                    // Written in a way not followed here (quoted, say): its first place.
                    found.append((name, context.mark.line, context.mark.column, context.mark.line, "\u{0}"))
                    break
                }
                // The key's first character swapped for one of its own per round (U+2600...),
                // so the copy keeps every line and column and holds no new duplicate.
                guard let marker = Unicode.Scalar(0x2600 + UInt32(round)) else { break }
                let line = at.line - 1, column = at.column - 1
                lines[line][column] = marker
                let replacement = String(String.UnicodeScalarView(lines[line][column..<(column + name.unicodeScalars.count)]))
                found.append((name, at.line, at.column, context.mark.line, replacement))
            } catch {
                break
            }
        }
        guard !found.isEmpty else {
            return ConfigurationError(issues: [ConfigurationIssue(file: file, line: 1, column: 1, key: "",
                                                                  message: "a key is written twice in one mapping; remove one of them")])
        }
        let issues = found.map { dup -> ConfigurationIssue in
            let path = tree.flatMap { keyPath(line: dup.line, column: dup.column, in: $0, path: "") } ?? dup.name
            let parent = path.hasSuffix(dup.marker) ? String(path.dropLast(dup.marker.count)) : ""
            return ConfigurationIssue(file: file, line: dup.line, column: dup.column, key: (parent + dup.name).displaySafe(limit: 200),
                                      message: "the key '\(dup.name.displaySafe(limit: 60))' appears twice in the same mapping"
                                        + (dup.first == dup.line ? "" : " (first at line \(dup.first))") + "; remove one of them")
        }
        return ConfigurationError(issues: issues)
    }

    /// The next key `name` in the mapping whose first such key is at `first`.
    static func secondOccurrence(of name: String, after first: Mark, in lines: [[Unicode.Scalar]]) -> (line: Int, column: Int)? {
        let key = Array(name.unicodeScalars)
        let column = first.column - 1
        func isKey(_ line: [Unicode.Scalar], at i: Int) -> Bool {
            guard i >= 0, i + key.count <= line.count, Array(line[i..<(i + key.count)]) == key else { return false }
            var j = i + key.count
            while j < line.count, line[j] == " " { j += 1 }
            return j < line.count && line[j] == ":"
        }
        // A flow mapping: later on the same line, after ',' or '{'.
        let firstLine = first.line - 1
        if firstLine >= 0, firstLine < lines.count {
            let line = lines[firstLine]
            var i = column + key.count
            while i < line.count {
                if line[i] == "," || line[i] == "{" {
                    var j = i + 1
                    while j < line.count, line[j] == " " { j += 1 }
                    if isKey(line, at: j) { return (first.line, j + 1) }
                }
                i += 1
            }
        }
        // A block mapping: a later line with the key at the same column, before the mapping ends.
        var n = firstLine + 1
        while n < lines.count {
            let line = lines[n]
            let indent = line.prefix { $0 == " " }.count
            let blank = indent == line.count || line[indent] == "#"
            if !blank {
                if indent < column && !(line[indent] == "-" && indent + 2 == column) { return nil }
                if indent == column && isKey(line, at: column) { return (n + 1, column + 1) }
            }
            n += 1
        }
        return nil
    }

    /// The key path (as the reader names keys) of the mapping key at (line, column).
    static func keyPath(line: Int, column: Int, in node: Node, path: String) -> String? {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? ""
                let here = path.isEmpty ? name : "\(path).\(name)"
                if key.mark?.line == line && key.mark?.column == column { return here }
                if let found = keyPath(line: line, column: column, in: value, path: here) { return found }
            }
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() {
                if let found = keyPath(line: line, column: column, in: item, path: "\(path)[\(i)]") { return found }
            }
        default:
            break
        }
        return nil
    }
}
