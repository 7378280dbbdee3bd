/// One of the five fields of a cron expression, parsed into the set of values it allows.
///
/// The set is a 64-bit mask because every field's range fits in 0...59; matching a minute,
/// hour or day is then one bit test, which keeps the multi-year searches of `Schedule` cheap.
public struct CronField: Sendable, Hashable, CustomStringConvertible {
    /// Which field this is; fixes its name, position and allowed range.
    public enum Kind: Int, Sendable, Hashable, CaseIterable {
        /// Raw values are the 1-based positions, so errors can say "field 2".
        case minute = 1, hour, dayOfMonth, month, dayOfWeek

        /// The name used in error messages, as in crontab(5).
        public var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// 1-based position in the expression.
        public var position: Int { rawValue }

        /// "hour (field 2)": how errors point at the field.
        public var label: String { "\(name) (field \(position))" }

        /// The numeric values accepted as written; 7 is accepted for Sunday and folded to 0.
        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// The allowed values as shown to people, names included where the field takes them.
        public var allowedDescription: String {
            switch self {
            case .month: "1-12 or jan-dec"
            case .dayOfWeek: "0-7 (0 and 7 are Sunday) or sun-sat"
            default: "\(range.lowerBound)-\(range.upperBound)"
            }
        }

        /// Three-letter names, indexed by value, for the fields that take names.
        fileprivate var names: [String: Int] {
            switch self {
            case .month:
                ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                 "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
            case .dayOfWeek:
                ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
            default: [:]
            }
        }
    }

    /// Which field this is.
    public let kind: Kind
    /// The field as written (lower-cased).
    public let text: String
    /// True when the field starts with `*` (`*`, `*/n`).
    ///
    /// This is what decides between AND and OR for day-of-month and day-of-week, exactly as
    /// in Vixie cron: `0 0 1 * */2` means "the 1st, if it is an even weekday", while
    /// `0 0 1 * mon` means "the 1st, and every Monday".
    public let startsWithStar: Bool
    /// Bit `v` is set when value `v` is allowed (day-of-week: 0 Sunday ... 6 Saturday).
    public let mask: UInt64

    /// The allowed values in ascending order.
    public var values: [Int] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }
    }

    /// Whether `value` is allowed (day-of-week: 0-6, Sunday 0).
    public func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && mask & (1 << UInt64(value)) != 0
    }

    /// The field as written.
    public var description: String { text }

    /// Parses one field: `*`, `n`, `a-b`, lists `a,b,...`, steps `*/n`, `a-b/n` and `a/n`
    /// (from `a` to the end of the range), and names in the month and day-of-week fields.
    public init(_ source: some StringProtocol, kind: Kind) throws(ScheduleError) {
        let text = source.lowercased()
        self.kind = kind
        self.text = text
        self.startsWithStar = text.hasPrefix("*")
        guard !text.isEmpty else {
            throw ScheduleError(.invalidField, field: kind.label,
                                reason: "is empty; allowed: \(kind.allowedDescription)")
        }
        var mask: UInt64 = 0
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            mask |= try Self.parseElement(element, kind: kind, fieldText: text)
        }
        if kind == .dayOfWeek, mask & (1 << 7) != 0 {
            mask = (mask & ~(1 << 7)) | 1  // 7 is Sunday, like 0
        }
        // A field that allows nothing would make a schedule that silently never runs.
        guard mask != 0 else {
            throw ScheduleError(.invalidField, field: kind.label,
                                reason: "\"\(text)\" allows no value; allowed: \(kind.allowedDescription)")
        }
        self.mask = mask
    }

    private static func parseElement(_ element: Substring, kind: Kind, fieldText: String) throws(ScheduleError) -> UInt64 {
        func fail(_ reason: String) -> ScheduleError {
            ScheduleError(.invalidField, field: kind.label, reason: reason)
        }
        guard !element.isEmpty else {
            throw fail("\"\(fieldText)\" has an empty list element; write values separated by single commas")
        }
        let slashParts = element.split(separator: "/", omittingEmptySubsequences: false)
        guard slashParts.count <= 2 else {
            throw fail("\"\(element)\" has more than one \"/\"; a step is written \"*/n\" or \"a-b/n\"")
        }
        let rangePart = slashParts[0]
        var step = 1
        if slashParts.count == 2 {
            let stepText = slashParts[1]
            guard let s = number(stepText) else {
                throw fail("step \"\(stepText)\" in \"\(element)\" is not a whole number")
            }
            guard s >= 1 else {
                throw fail("step \"\(stepText)\" in \"\(element)\" must be at least 1")
            }
            step = s
        }
        let low: Int
        var high: Int
        if rangePart == "*" {
            low = kind.range.lowerBound
            high = kind == .dayOfWeek ? 6 : kind.range.upperBound
        } else if rangePart.isEmpty {
            throw fail("\"\(element)\" has no value before \"/\"; write \"*/n\" or \"a-b/n\"")
        } else {
            let bounds = rangePart.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else {
                throw fail("\"\(rangePart)\" is not a value or a range a-b; allowed: \(kind.allowedDescription)")
            }
            low = try value(bounds[0], kind: kind, element: element)
            if bounds.count == 2 {
                high = try value(bounds[1], kind: kind, element: element)
                // "fri-sun" is the weekend, not a reversed range: Sunday at the end is 7.
                if kind == .dayOfWeek, high == 0, low > 0, bounds[1] == "sun" { high = 7 }
                guard low <= high else {
                    throw fail("range \"\(rangePart)\" is reversed (\(low) is after \(high)); write the smaller value first")
                }
            } else {
                // "a/n" runs from a to the end of the range, as in most cron implementations.
                // Day-of-week ends at 6 (Saturday) so that 7 is not Sunday twice, except for
                // "7/n" itself, which is Sunday (the cron fuzz target found it allowing no day).
                high = slashParts.count == 2 ? max(low, kind == .dayOfWeek ? 6 : kind.range.upperBound) : low
            }
        }
        var mask: UInt64 = 0
        // The step can be any size ("1/9223372036854775807" is a value with a step past the
        // end): stop at overflow instead of trapping.
        var v = low
        while v <= high {
            mask |= 1 << UInt64(v)
            let (next, overflow) = v.addingReportingOverflow(step)
            if overflow { break }
            v = next
        }
        return mask
    }

    private static func value(_ token: Substring, kind: Kind, element: Substring) throws(ScheduleError) -> Int {
        if let n = number(token) {
            guard kind.range.contains(n) else {
                throw ScheduleError(.invalidField, field: kind.label,
                                    reason: "\"\(token)\" is out of range \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return n
        }
        if let n = kind.names[String(token)] { return n }
        if token.isEmpty {
            throw ScheduleError(.invalidField, field: kind.label,
                                reason: "\"\(element)\" is an incomplete range; write a-b with both ends in \(kind.allowedDescription)")
        }
        let what = kind.names.isEmpty ? "a number" : "a number or a name"
        throw ScheduleError(.invalidField, field: kind.label,
                            reason: "\"\(token)\" is not \(what); allowed: \(kind.allowedDescription)")
    }

    /// ASCII digits only: `Int` would also take "+5", which crontab(5) does not.
    private static func number(_ token: Substring) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(token) ?? Int.max  // too many digits: out of range, not "not a number"
    }
}
