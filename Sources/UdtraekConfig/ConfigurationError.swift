import Store

/// One thing wrong in a configuration file, located by file, line and key.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The key path, e.g. `systems[1].inbox.port`.
    public var key: String
    public var message: String

    public var description: String {
        "\(file):\(line):\(column): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}

/// A configuration refused as a whole: every issue found, not just the first, so an
/// operator fixes the file in one round; beyond `shownIssues` only their number.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// How many issues are kept and printed: enough to fix a file in a few rounds, few
    /// enough that a file of a million wrong entries answers in one screenful or two.
    public static let shownIssues = 100

    public var issues: [ConfigurationIssue]
    /// Issues found beyond the first `shownIssues`, counted but not kept.
    public var omitted: Int

    public init(issues: [ConfigurationIssue], omitted: Int = 0) {
        self.issues = issues
        self.omitted = omitted
    }

    public var description: String {
        let total = issues.count + omitted
        let header = total == 1 ? "The configuration has 1 error; nothing was changed:"
                                : "The configuration has \(total) errors; nothing was changed:"
        var lines = [header] + issues.map { "  " + $0.description.displaySafe(limit: 2000) }
        if omitted > 0 {
            lines.append("  ... and \(omitted) more error\(omitted == 1 ? "" : "s") not shown; fix these first and check again")
        }
        return lines.joined(separator: "\n")
    }
}
