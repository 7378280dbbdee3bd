import BusinessCalendar
import Foundation

/// How daylight saving moved a slot away from the wall-clock time the cron expression named.
public enum DSTAdjustment: Sendable, Hashable {
    /// The wall-clock time exists once; the slot runs at it.
    case none
    /// The wall-clock time does not exist (clocks went forward over it); the slot runs once
    /// at the first valid minute after the gap (02:30 on 2026-03-29 in Copenhagen runs at
    /// 03:00). Several such slots collapse into one run.
    case movedOutOfGap
    /// The wall-clock time occurs twice (clocks went back); the slot runs at the first
    /// occurrence only, so a daily 02:30 run does not happen twice on 2026-10-25.
    case firstOfRepeated
}

/// One candidate slot of a schedule: when it runs, which wall-clock time it stands for, and
/// whether the calendar lets it run.
public struct ScheduleSlot: Sendable, Hashable, CustomStringConvertible {
    /// The instant the slot fires.
    public let instant: Date
    /// The local date the cron expression matched (the date the calendar was asked about).
    public let date: CivilDate
    /// The local wall-clock hour and minute the cron expression named.
    public let hour: Int
    /// See `hour`.
    public let minute: Int
    /// How daylight saving moved it, if at all.
    public let dstAdjustment: DSTAdjustment
    /// Whether the calendar lets it run, and if not, why.
    public let disposition: CalendarDisposition

    /// True when the calendar lets the slot run.
    public var runs: Bool { disposition == .runs }

    /// Whole seconds since 1970; slots always fall on whole minutes of their zone.
    let epochSeconds: Int

    /// "2026-03-29 02:30 @ 2026-03-29T01:00:00Z (moved out of DST gap): runs".
    public var description: String {
        let dst = switch dstAdjustment {
        case .none: ""
        case .movedOutOfGap: " (moved out of DST gap)"
        case .firstOfRepeated: " (first of repeated hour)"
        }
        return "\(date) \(twoDigits(hour)):\(twoDigits(minute)) @ \(isoUTC(epochSeconds))\(dst): \(disposition)"
    }
}

/// A cron expression read in a time zone and filtered by a calendar: the complete
/// definition of when an extract runs.
///
/// All arithmetic is on local wall-clock days (`CivilDate`) and whole seconds; Foundation
/// is used only for the zone's UTC offset at an instant, which is what makes the daylight-
/// saving rules exact without relying on `Calendar`'s own gap and fold policies.
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    /// The zone used when none is given: the platform runs on Danish time.
    public static let defaultTimeZoneIdentifier = "Europe/Copenhagen"

    /// How far `nextRuns` looks past the last run found before declaring that the schedule
    /// never runs. Twelve years, not five: a 29 February run on a business-day calendar can
    /// legitimately wait eight years (2028 to 2036, as 2032-02-29 is a Sunday), twelve
    /// across 2100, which is not a leap year.
    public static let searchHorizonYears = 12

    /// Which local wall-clock minutes are candidates.
    public let cron: CronExpression
    /// The zone the expression is read in (the operators' clock, not the server's).
    public let timeZone: TimeZone
    /// Which days' candidates actually run.
    public let calendar: ScheduleCalendar

    /// Creates a schedule; `timeZone` nil means Europe/Copenhagen. Refuses an expression
    /// that can never fire, saying why ("never runs: February has no day 31").
    public init(cron: CronExpression, timeZone: TimeZone? = nil, calendar: ScheduleCalendar = .everyDay) throws(ScheduleError) {
        if let reason = cron.neverRunsReason {
            throw ScheduleError(.neverRuns, input: cron.source, reason: "\"\(cron.source)\" never runs: \(reason)")
        }
        self.cron = cron
        if let timeZone {
            self.timeZone = timeZone
        } else {
            self.timeZone = try Self.timeZone(identifier: Self.defaultTimeZoneIdentifier)
        }
        self.calendar = calendar
    }

    /// Creates a schedule from config text: the expression and a tz database name.
    public init(cron: String, timeZone identifier: String = Schedule.defaultTimeZoneIdentifier,
                calendar: ScheduleCalendar = .everyDay) throws(ScheduleError) {
        try self.init(cron: CronExpression(cron), timeZone: Self.timeZone(identifier: identifier), calendar: calendar)
    }

    /// Looks up a tz database zone, refusing unknown names with a hint.
    public static func timeZone(identifier: String) throws(ScheduleError) -> TimeZone {
        let trimmed = identifier.trimmingWhitespace()
        if !trimmed.isEmpty, let zone = TimeZone(identifier: trimmed) { return zone }
        var reason = "unknown time zone \"\(identifier)\""
        if let near = TimeZone.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == trimmed.lowercased() }) {
            reason += "; did you mean \"\(near)\"?"
        } else {
            reason += "; use a tz database name such as \"Europe/Copenhagen\" or \"UTC\""
        }
        throw ScheduleError(.unknownTimeZone, input: identifier, reason: reason)
    }

    /// "30 6 * * * in Europe/Copenhagen, business-days".
    public var description: String { "\(cron) in \(timeZone.identifier), \(calendar)" }

    // MARK: Slots

    /// Every candidate slot strictly after `instant`, in order, each with its disposition.
    ///
    /// Lazy and unbounded; it ends (returns nil) only if no day within
    /// `searchHorizonYears` matches the expression, which a validated schedule rules out.
    public func slots(after instant: Date) -> ScheduleSlots {
        ScheduleSlots(schedule: self, bound: instant.timeIntervalSince1970, inclusive: false)
    }

    /// Every candidate slot at or after `instant`, in order, each with its disposition.
    public func slots(from instant: Date) -> ScheduleSlots {
        ScheduleSlots(schedule: self, bound: instant.timeIntervalSince1970, inclusive: true)
    }

    /// The next `count` instants the schedule runs at, strictly after `instant`.
    ///
    /// Throws `.neverRuns` when `searchHorizonYears` pass with no run: the error says
    /// whether no day matched the expression or the calendar skipped every matching day,
    /// with counts, instead of looping forever.
    public func nextRuns(after instant: Date, count: Int) throws(ScheduleError) -> [Date] {
        guard count >= 0 else {
            throw ScheduleError(.invalidArgument, reason: "count must not be negative (got \(count))")
        }
        var runs: [Date] = []
        let bound = instant.timeIntervalSince1970
        var last = Int.min
        var day = localDay(ofEpochSeconds: Int(bound.rounded(.down))) - 1
        let horizonDays = Self.searchHorizonYears * 366
        var quietDays = 0
        var matchedDays = 0
        var weekendDays = 0, holidayDays = 0, excludedDays = 0
        let searchStart = CivilDate(daysSinceEpoch: day + 1)
        while runs.count < count {
            guard quietDays <= horizonDays else {
                let from = runs.isEmpty ? searchStart : localDate(ofEpochSeconds: last)
                let to = from.adding(days: horizonDays)
                if matchedDays == 0 {
                    throw ScheduleError(.neverRuns, input: cron.source, reason:
                        "\"\(cron.source)\" never runs: no day from \(from) to \(to) matches its day-of-month, month and day-of-week fields")
                }
                throw ScheduleError(.neverRuns, input: cron.source, reason:
                    "\"\(cron.source)\" never runs on calendar \"\(calendar.name)\": from \(from) to \(to) the calendar skips every day the expression matches (\(weekendDays) weekend days, \(holidayDays) holidays, \(excludedDays) excluded dates); change the expression, the calendar or its exclude list")
            }
            let date = CivilDate(daysSinceEpoch: day)
            day += 1
            quietDays += 1
            guard cron.matches(date) else { continue }
            matchedDays += 1
            switch calendar.disposition(on: date) {
            case .skipped(.weekend):
                weekendDays += 1; continue
            case .skipped(.holiday):
                holidayDays += 1; continue
            case .skipped(.excludedDate):
                excludedDays += 1; continue
            case .runs:
                break
            }
            for slot in slots(on: date) {
                let t = slot.epochSeconds
                guard Double(t) > bound, t > last else { continue }
                runs.append(slot.instant)
                last = t
                quietDays = 0
                if runs.count == count { break }
            }
        }
        return runs
    }

    /// The next instant the schedule runs at, strictly after `instant`.
    public func nextRun(after instant: Date) throws(ScheduleError) -> Date {
        try nextRuns(after: instant, count: 1)[0]
    }

    /// The slots the expression names on local day `date`, in order, resolved to instants.
    /// Does not check whether the expression matches `date` itself.
    func slots(on date: CivilDate) -> [ScheduleSlot] {
        let disposition = calendar.disposition(on: date)
        let dayStart = date.daysSinceEpoch * 86_400
        // One offset for the whole day unless a transition lies within a day either side;
        // keeps per-minute expressions from asking the zone 1440 times a day.
        let before = offset(at: dayStart - 86_400)
        let after = offset(at: dayStart + 2 * 86_400)
        var result: [ScheduleSlot] = []
        result.reserveCapacity(cron.hour.values.count * cron.minute.values.count)
        for h in cron.hour.values {
            for m in cron.minute.values {
                let wall = dayStart + h * 3600 + m * 60
                let (t, adjustment) = before == after ? (wall - before, DSTAdjustment.none) : resolve(wall: wall)
                result.append(ScheduleSlot(instant: Date(timeIntervalSince1970: Double(t)), date: date, hour: h, minute: m,
                                           dstAdjustment: adjustment, disposition: disposition, epochSeconds: t))
            }
        }
        return result
    }

    /// The instant a local wall-clock time (seconds since 1970 as if it were UTC) denotes:
    /// its only occurrence, its first occurrence when it is repeated, or the end of the
    /// gap when daylight saving skipped it.
    func resolve(wall: Int) -> (Int, DSTAdjustment) {
        let early = offset(at: wall - 86_400)
        let late = offset(at: wall + 86_400)
        var valid: [Int] = []
        for o in early == late ? [early] : [early, late] where offset(at: wall - o) == o {
            valid.append(wall - o)
        }
        valid.sort()
        if valid.count > 1 { return (valid[0], .firstOfRepeated) }
        if let only = valid.first { return (only, .none) }
        guard early != late else { return (wall - early, .none) }
        // In the gap: the transition lies between the two readings; find its first second.
        var lo = wall - max(early, late)   // still on the old offset
        var hi = wall - min(early, late)   // already on the new offset
        let old = offset(at: lo)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(at: mid) == old { lo = mid } else { hi = mid }
        }
        return (hi, .movedOutOfGap)
    }

    func offset(at epochSeconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(epochSeconds)))
    }

    /// The local day (days since 1970) an instant falls on in the schedule's zone.
    func localDay(ofEpochSeconds t: Int) -> Int {
        let local = t + offset(at: t)
        return local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
    }

    func localDate(ofEpochSeconds t: Int) -> CivilDate {
        CivilDate(daysSinceEpoch: localDay(ofEpochSeconds: t))
    }

    /// Equal when expression, zone identifier and calendar are; compared by identifier
    /// because that is what is stored, and two loads of one zone must compare equal.
    public static func == (a: Schedule, b: Schedule) -> Bool {
        a.cron == b.cron && a.timeZone.identifier == b.timeZone.identifier && a.calendar == b.calendar
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(cron)
        hasher.combine(timeZone.identifier)
        hasher.combine(calendar)
    }
}

/// The candidate slots of a schedule from a starting instant on: a lazy sequence, so a
/// caller can take a few (`prefix`) or walk up to a bound without building years of slots.
public struct ScheduleSlots: Sequence, Sendable {
    let schedule: Schedule
    let bound: Double
    let inclusive: Bool

    /// Starts walking from the bound.
    public func makeIterator() -> Iterator {
        Iterator(slots: self)
    }

    /// Walks day by day, skipping days the expression does not match.
    public struct Iterator: IteratorProtocol, Sendable {
        let slots: ScheduleSlots
        var day: Int
        var pending: [ScheduleSlot] = []
        var index = 0
        var last = Int.min
        var daysWithoutMatch = 0

        init(slots: ScheduleSlots) {
            self.slots = slots
            // A day early: a gap slot late on the previous local day can resolve past the bound.
            day = slots.schedule.localDay(ofEpochSeconds: Int(slots.bound.rounded(.down))) - 1
        }

        /// The next slot, or nil when no day within `Schedule.searchHorizonYears` matches.
        public mutating func next() -> ScheduleSlot? {
            let horizonDays = Schedule.searchHorizonYears * 366
            while true {
                while index < pending.count {
                    let slot = pending[index]
                    index += 1
                    let t = slot.epochSeconds
                    let afterBound = slots.inclusive ? Double(t) >= slots.bound : Double(t) > slots.bound
                    // Strictly increasing: collapsed gap slots and repeated-hour second
                    // occurrences never come out twice.
                    guard afterBound, t > last else { continue }
                    last = t
                    return slot
                }
                guard daysWithoutMatch <= horizonDays else { return nil }
                let date = CivilDate(daysSinceEpoch: day)
                day += 1
                guard slots.schedule.cron.matches(date) else {
                    daysWithoutMatch += 1
                    continue
                }
                daysWithoutMatch = 0
                pending = slots.schedule.slots(on: date)
                index = 0
            }
        }
    }
}

func twoDigits(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// `YYYY-MM-DDTHH:MM:SSZ` without a formatter, for descriptions and messages.
func isoUTC(_ t: Int) -> String {
    let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
    let rest = t - days * 86_400
    return "\(CivilDate(daysSinceEpoch: days))T\(twoDigits(rest / 3600)):\(twoDigits(rest / 60 % 60)):\(twoDigits(rest % 60))Z"
}
