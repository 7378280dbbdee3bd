import BusinessCalendar

/// A five-field cron expression (minute hour day-of-month month day-of-week) with the
/// usual macros, interpreted as in Vixie cron / cronie.
///
/// It says which local wall-clock minutes are candidate slots; turning those into
/// instants (time zones, daylight saving) and filtering them by business days is
/// `Schedule`'s job, so this type stays free of Foundation.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The macros and the five-field expressions they stand for.
    public static let macros: [(name: String, expansion: String)] = [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ]

    /// The expression as given (trimmed), e.g. "@daily" or "30 6 * * mon-fri".
    public let source: String
    /// The five fields, kept separately so the CLI can show which one allows what.
    public let minute: CronField
    /// Hours 0-23 of local wall-clock time (not UTC).
    public let hour: CronField
    /// Days 1-31; see `matches(_:)` for how it combines with `dayOfWeek`.
    public let dayOfMonth: CronField
    /// Months 1-12.
    public let month: CronField
    /// Weekdays 0 (Sunday) to 6 (Saturday); 7 is read as Sunday.
    public let dayOfWeek: CronField

    /// Parses an expression; errors name the field at fault, the bad token and the range.
    public init(_ text: some StringProtocol) throws(ScheduleError) {
        let trimmed = String(text).trimmingWhitespace()
        source = trimmed
        var body = trimmed
        if trimmed.hasPrefix("@") {
            let name = trimmed.lowercased()
            guard let macro = Self.macros.first(where: { $0.name == name }) else {
                let valid = Self.macros.map(\.name).joined(separator: ", ")
                let extra = name == "@reboot" ? " (@reboot is not a time of day; run the extract from the service's start-up instead)" : ""
                throw ScheduleError(.unknownMacro, input: trimmed,
                                    reason: "unknown macro \"\(trimmed)\"\(extra); valid macros: \(valid)")
            }
            body = macro.expansion
        }
        let parts = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5 else {
            let expected = "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"
            let given = parts.isEmpty ? "the expression is empty" : "got \(parts.count) field\(parts.count == 1 ? "" : "s") in \"\(trimmed)\""
            throw ScheduleError(.wrongFieldCount, input: trimmed, reason: "\(given); \(expected)")
        }
        do {
            minute = try CronField(parts[0], kind: .minute)
            hour = try CronField(parts[1], kind: .hour)
            dayOfMonth = try CronField(parts[2], kind: .dayOfMonth)
            month = try CronField(parts[3], kind: .month)
            dayOfWeek = try CronField(parts[4], kind: .dayOfWeek)
        } catch {
            throw ScheduleError(error.code, field: error.field, input: trimmed, reason: error.reason)
        }
    }

    /// The expression as given.
    public var description: String { source }

    /// Whether the expression selects `date` (month, day-of-month and day-of-week).
    ///
    /// When both day fields are restricted (neither starts with `*`), a day matches if
    /// either matches; otherwise both must: the rule of crontab(5).
    public func matches(_ date: CivilDate) -> Bool {
        guard month.contains(date.month) else { return false }
        let domHit = dayOfMonth.contains(date.day)
        let dowHit = dayOfWeek.contains(date.isoWeekday % 7)
        if dayOfMonth.startsWithStar || dayOfWeek.startsWithStar {
            return domHit && dowHit
        }
        return domHit || dowHit
    }

    /// Whether the expression selects the wall-clock time `hour:minute`.
    public func matches(hour h: Int, minute m: Int) -> Bool {
        hour.contains(h) && minute.contains(m)
    }

    /// Why the expression can never fire, or nil when it can.
    ///
    /// The only way a well-formed expression never fires is a day-of-month that none of
    /// its months has (`0 0 31 2 *`, `0 0 30,31 2,4 *`) while day-of-week does not add
    /// days of its own; checked here so the schedule is refused when configured instead of
    /// being searched for years. Day 29 in February counts as possible (leap years).
    public var neverRunsReason: String? {
        // With day-of-week restricted and day-of-month too, OR applies: every weekday
        // occurs in every month, so it fires. With day-of-month a star, any day will do.
        if dayOfMonth.startsWithStar { return nil }
        if !dayOfWeek.startsWithStar { return nil }
        let months = month.values
        let days = dayOfMonth.values
        for m in months where days.contains(where: { $0 <= CivilDate.daysIn(month: m, year: 2000) }) {
            return nil
        }
        let monthNames = months.map { Self.monthNames[$0 - 1] }
        let dayList = Self.orList(days.map(String.init))
        if monthNames.count == 1 {
            return "\(monthNames[0]) has no day \(dayList)"
        }
        return "none of \(monthNames.joined(separator: ", ")) has a day \(dayList)"
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    private static func orList(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}

extension String {
    /// Leading and trailing spaces, tabs and newlines removed, without Foundation.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
