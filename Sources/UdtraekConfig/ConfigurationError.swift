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
/// operator fixes the file in one round.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigurationIssue]

    public init(issues: [ConfigurationIssue]) { self.issues = issues }

    public var description: String {
        let header = issues.count == 1 ? "The configuration has 1 error; nothing was changed:"
                                       : "The configuration has \(issues.count) errors; nothing was changed:"
        return ([header] + issues.map { "  " + $0.description }).joined(separator: "\n")
    }
}
