import BusinessCalendar
import Foundation
import Runtime
import Synchronization

/// Today in Denmark on the gateway's clock: the register's day turns at Danish midnight.
/// Every call asks, so the day is worked out with the calendar once and then kept for as
/// long as the clock's date stays within it (a wall clock stepped back by NTP, or a test's
/// manual clock, is asked again).
public final class CopenhagenDay: Sendable {
    struct Known {
        var day: CivilDate
        var from: Date
        var until: Date
    }

    let clock: RuntimeClock
    let known = Mutex<Known?>(nil)
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt
        return calendar
    }()

    public init(clock: RuntimeClock) { self.clock = clock }

    /// The day the clock's date falls on in Copenhagen.
    public func today() -> CivilDate {
        let now = clock.date
        if let k = known.withLock({ $0 }), k.from <= now, now < k.until { return k.day }
        let k = Self.day(containing: now)
        known.withLock { $0 = k }
        return k.day
    }

    static func day(containing now: Date) -> Known {
        let start = calendar.startOfDay(for: now)
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        // The calendar always answers these three for a real date; the epoch is the
        // fallback only for a date outside what `Date` can hold.
        let day = c.year.flatMap { y in c.month.flatMap { m in c.day.flatMap { d in CivilDate(year: y, month: m, day: d) } } }
            ?? CivilDate(daysSinceEpoch: Int((now.timeIntervalSince1970 / 86_400).rounded(.down)))
        let until = calendar.date(byAdding: .day, value: 1, to: start) ?? now.addingTimeInterval(60)
        return Known(day: day, from: start, until: until)
    }
}
