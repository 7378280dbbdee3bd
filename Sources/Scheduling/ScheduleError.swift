/// The one error type of the Scheduling module.
///
/// Every message is meant to be shown to an operator as is (in `udtraek config apply`, the
/// CLI and the admin API): it names what was being read, what is wrong with it and what is
/// allowed, so the fix can be made without reading the source.
public struct ScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is, for callers that branch on it (HTTP status, exit code).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// One cron field is malformed or out of range; `field` says which.
        case invalidField = "invalid-field"
        /// The expression does not have five fields (or one macro).
        case wrongFieldCount = "wrong-field-count"
        /// An `@name` macro this parser does not know.
        case unknownMacro = "unknown-macro"
        /// A time-zone identifier not in the tz database.
        case unknownTimeZone = "unknown-time-zone"
        /// A calendar name other than the supported ones.
        case unknownCalendar = "unknown-calendar"
        /// An overlap or catch-up policy name other than the supported ones.
        case unknownPolicy = "unknown-policy"
        /// A date in an include/exclude list that is not `YYYY-MM-DD` or not a real day.
        case invalidDate = "invalid-date"
        /// The expression (or the calendar on top of it) never produces a run.
        case neverRuns = "never-runs"
        /// An argument outside what the function accepts (a negative count).
        case invalidArgument = "invalid-argument"
    }

    /// The kind of problem.
    public let code: Code
    /// The cron field at fault, as "hour (field 2)", when the problem is in one field.
    public let field: String?
    /// The text that was being read (the whole expression, the zone or calendar name).
    public let input: String?
    /// The human-readable explanation, without the input repeated.
    public let reason: String

    /// Creates an error; `reason` should say what is wrong and what would be accepted.
    public init(_ code: Code, field: String? = nil, input: String? = nil, reason: String) {
        self.code = code
        self.field = field
        self.input = input
        self.reason = reason
    }

    /// The full message: the field (when there is one) followed by the reason, e.g.
    /// `hour (field 2): "25" is out of range 0-23`.
    /// Reasons quote the tokens they refuse, which come from a config file, the CLI or the
    /// API; control characters in them are shown escaped, so a message cannot drive the
    /// operator's terminal.
    public var message: String {
        if let field { return Self.terminalSafe("\(field): \(reason)") }
        return Self.terminalSafe(reason)
    }

    /// The message, plus the expression it came from when that adds context.
    public var description: String {
        if let input, code == .invalidField {
            let shown = input.count > 200 ? input.prefix(200) + "…" : Substring(input)
            return "\(message) (in cron expression \"\(Self.terminalSafe(String(shown)))\")"
        }
        return message
    }

    /// `text` with C0, DEL and C1 control characters written as `\u{1B}`.
    static func terminalSafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for s in text.unicodeScalars {
            out += isControl(s) ? "\\u{\(String(s.value, radix: 16, uppercase: true))}" : String(s)
        }
        return out
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }
}
