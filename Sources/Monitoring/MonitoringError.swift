/// A failure of the monitor itself (not of an inbox, which is an alarm), saying what
/// was being done, why it failed and what to do.
public struct MonitoringError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var reason: String
    public var hint: String

    public init(_ operation: String, reason: String, hint: String = "") {
        self.operation = operation
        self.reason = reason
        self.hint = hint
    }

    public var description: String { "\(operation) failed: \(reason)" + (hint.isEmpty ? "" : ". \(hint)") }
}
