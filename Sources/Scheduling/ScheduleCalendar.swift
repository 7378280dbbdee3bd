import BusinessCalendar

/// Why the calendar skips a day.
public enum CalendarSkipReason: Sendable, Hashable, CustomStringConvertible {
    /// Saturday or Sunday on a business-day calendar; `weekday` is the English name.
    case weekend(weekday: String)
    /// A Danish public holiday (or a day public offices close); `name` is its Danish name.
    case holiday(name: String)
    /// The date is on the schedule's exclude list.
    case excludedDate

    /// Short text for logs, the CLI and the decision table, e.g. "holiday: Påskedag".
    public var description: String {
        switch self {
        case .weekend(let weekday): "weekend (\(weekday))"
        case .holiday(let name): "holiday: \(name)"
        case .excludedDate: "excluded date"
        }
    }
}

/// Whether the calendar lets a slot on a given day run.
public enum CalendarDisposition: Sendable, Hashable, CustomStringConvertible {
    /// The day's slots run.
    case runs
    /// The day's slots are skipped, for this reason.
    case skipped(CalendarSkipReason)

    /// "runs" or "skipped: holiday: Påskedag".
    public var description: String {
        switch self {
        case .runs: "runs"
        case .skipped(let reason): "skipped: \(reason)"
        }
    }
}

/// Which days a schedule may run on: every day or Danish business days, with explicit
/// include and exclude lists on top.
///
/// Precedence: an excluded date never runs; an included date runs even when the base would
/// skip it (a Saturday catch-up after a system migration); otherwise the base decides. The
/// calendar only filters the slots the cron expression produces, it never adds slots.
public struct ScheduleCalendar: Sendable, Hashable, CustomStringConvertible {
    /// The rule applied to dates not on either list.
    public enum Base: Sendable, Hashable {
        /// Every day runs.
        case everyDay
        /// Monday to Friday, minus the holidays of this configuration.
        case businessDays(DanishHolidays)
    }

    /// The names accepted by `init(named:)`, as written in config files and on the CLI.
    public static let validNames = ["every-day", "business-days"]

    /// The rule for dates on neither list.
    public var base: Base
    /// Dates that run even if the base skips them (unless also excluded).
    public var included: Set<CivilDate>
    /// Dates that never run.
    public var excluded: Set<CivilDate>

    /// Creates a calendar from its parts.
    public init(base: Base, including included: Set<CivilDate> = [], excluding excluded: Set<CivilDate> = []) {
        self.base = base
        self.included = included
        self.excluded = excluded
    }

    /// Every day runs.
    public static var everyDay: ScheduleCalendar { ScheduleCalendar(base: .everyDay) }

    /// Monday to Friday except Danish public holidays (see `DanishHolidays` for which).
    public static func businessDays(_ holidays: DanishHolidays = DanishHolidays()) -> ScheduleCalendar {
        ScheduleCalendar(base: .businessDays(holidays))
    }

    /// Builds a calendar from its config name ("every-day", "business-days"), with
    /// include/exclude dates as `YYYY-MM-DD` strings; unknown names and bad dates are
    /// refused with a message listing what is accepted.
    public init(named name: String, holidays: DanishHolidays = DanishHolidays(),
                including: [String] = [], excluding: [String] = []) throws(ScheduleError) {
        switch name.trimmingWhitespace().lowercased() {
        case "every-day": base = .everyDay
        case "business-days": base = .businessDays(holidays)
        default:
            throw ScheduleError(.unknownCalendar, input: name,
                                reason: "unknown calendar \"\(name)\"; valid calendars: \(Self.validNames.joined(separator: ", "))")
        }
        included = try Self.parseDates(including, list: "include")
        excluded = try Self.parseDates(excluding, list: "exclude")
    }

    private static func parseDates(_ texts: [String], list: String) throws(ScheduleError) -> Set<CivilDate> {
        var dates: Set<CivilDate> = []
        for text in texts {
            guard let date = CivilDate(iso: text.trimmingWhitespace()) else {
                throw ScheduleError(.invalidDate, input: text,
                                    reason: "\(list) date \"\(text)\" is not a real date written YYYY-MM-DD")
            }
            dates.insert(date)
        }
        return dates
    }

    /// The config name of the base ("every-day" or "business-days").
    public var name: String {
        switch base {
        case .everyDay: "every-day"
        case .businessDays: "business-days"
        }
    }

    /// The config name of the base.
    public var description: String { name }

    /// Whether slots on `date` (the local date the cron expression matched) run, and if
    /// not, why; the reason is what the decision log and the CLI show.
    public func disposition(on date: CivilDate) -> CalendarDisposition {
        if excluded.contains(date) { return .skipped(.excludedDate) }
        if included.contains(date) { return .runs }
        switch base {
        case .everyDay:
            return .runs
        case .businessDays(let holidays):
            if date.isWeekend {
                return .skipped(.weekend(weekday: date.isoWeekday == 6 ? "Saturday" : "Sunday"))
            }
            if let name = holidays.holidayName(date) { return .skipped(.holiday(name: name)) }
            return .runs
        }
    }
}
