import BusinessCalendar
import Foundation
import Store

/// The moments that matter for one delivered file.
public struct PickupTimes: Sendable, Equatable {
    public var warnAt: Date?
    public var deadline: Date?
    /// Retention: an uncollected file is removed from the inbox from this moment.
    public var expiresAt: Date

    public init(warnAt: Date?, deadline: Date?, expiresAt: Date) {
        self.warnAt = warnAt
        self.deadline = deadline
        self.expiresAt = expiresAt
    }
}

/// Turns a rule and a delivery time into deadlines: a duration after delivery, or a
/// wall-clock time on a Danish business day in Copenhagen time (daylight saving included).
public struct PickupSchedule: Sendable {
    public var holidays: DanishHolidays
    public var timeZone: TimeZone

    public init(holidays: DanishHolidays = DanishHolidays(),
                timeZone: TimeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt) {
        self.holidays = holidays
        self.timeZone = timeZone
    }

    public func times(rule: PickupRule?, deliveredAt: Date, retentionSeconds: Int) -> PickupTimes {
        let expires = deliveredAt.addingTimeInterval(TimeInterval(retentionSeconds))
        guard let rule, let deadline = deadline(rule, deliveredAt: deliveredAt) else {
            return PickupTimes(warnAt: nil, deadline: nil, expiresAt: expires)
        }
        // A warning "before the deadline" never comes before the delivery itself.
        let warn = rule.warningBeforeSeconds.map { max(deliveredAt, deadline.addingTimeInterval(-TimeInterval($0))) }
        return PickupTimes(warnAt: warn, deadline: deadline, expiresAt: max(expires, deadline))
    }

    public func deadline(_ rule: PickupRule, deliveredAt: Date) -> Date? {
        if let seconds = rule.collectWithinSeconds { return deliveredAt.addingTimeInterval(TimeInterval(seconds)) }
        guard let wall = rule.deadline else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: deliveredAt)
        guard let today = CivilDate(year: parts.year!, month: parts.month!, day: parts.day!) else { return nil }
        var day = today
        if wall.businessDaysAfter == 0 {
            // The first business day, from today, on which HH:MM is still ahead.
            while !holidays.isBusinessDay(day) || at(wall, on: day, calendar) <= deliveredAt {
                day = day.adding(days: 1)
            }
        } else {
            for _ in 0..<wall.businessDaysAfter { day = holidays.nextBusinessDay(after: day) }
        }
        return at(wall, on: day, calendar)
    }

    private func at(_ wall: WallClockDeadline, on day: CivilDate, _ calendar: Calendar) -> Date {
        let components = DateComponents(year: day.year, month: day.month, day: day.day, hour: wall.hour, minute: wall.minute)
        // In the spring-forward gap Foundation moves the time forward, which is what a person means.
        return calendar.date(from: components)!
    }
}
