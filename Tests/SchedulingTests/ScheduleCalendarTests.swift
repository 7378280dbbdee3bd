import BusinessCalendar
import Foundation
import Testing
@testable import Scheduling

@Suite("Schedule calendars")
struct ScheduleCalendarTests {
    @Test("business days skip weekends and holidays, naming the holiday")
    func businessDays() {
        let c = ScheduleCalendar.businessDays()
        #expect(c.disposition(on: day("2026-11-23")) == .runs)
        #expect(c.disposition(on: day("2026-11-21")) == .skipped(.weekend(weekday: "Saturday")))
        #expect(c.disposition(on: day("2026-11-22")) == .skipped(.weekend(weekday: "Sunday")))
        #expect(c.disposition(on: day("2026-04-03")) == .skipped(.holiday(name: "Langfredag")))
        #expect(c.disposition(on: day("2026-12-24")) == .skipped(.holiday(name: "Juleaftensdag")))
        #expect(c.disposition(on: day("2026-12-31")) == .skipped(.holiday(name: "Nytårsaftensdag")))
        #expect(c.disposition(on: day("2023-05-05")) == .skipped(.holiday(name: "Store bededag")))
        #expect(c.disposition(on: day("2024-04-26")) == .runs)
        #expect(c.disposition(on: day("2026-06-05")) == .skipped(.holiday(name: "Grundlovsdag")))
        let open5June = ScheduleCalendar.businessDays(DanishHolidays(constitutionDayIsHoliday: false))
        #expect(open5June.disposition(on: day("2026-06-05")) == .runs)
    }

    @Test("every day runs every day")
    func everyDay() {
        for offset in 0..<400 {
            #expect(ScheduleCalendar.everyDay.disposition(on: day("2026-01-01").adding(days: offset)) == .runs)
        }
    }

    @Test("exclude wins over include and over the base; include overrides the base")
    func includeExclude() throws {
        var c = ScheduleCalendar.businessDays()
        c.included = [day("2026-11-21"), day("2026-11-24"), day("2026-12-24")]
        c.excluded = [day("2026-11-24"), day("2026-11-25")]
        #expect(c.disposition(on: day("2026-11-21")) == .runs)                    // Saturday, included
        #expect(c.disposition(on: day("2026-12-24")) == .runs)                    // holiday, included
        #expect(c.disposition(on: day("2026-11-24")) == .skipped(.excludedDate))  // both: exclude wins
        #expect(c.disposition(on: day("2026-11-25")) == .skipped(.excludedDate))  // business day, excluded
        #expect(c.disposition(on: day("2026-11-22")) == .skipped(.weekend(weekday: "Sunday")))
        let every = ScheduleCalendar(base: .everyDay, excluding: [day("2026-11-23")])
        #expect(every.disposition(on: day("2026-11-23")) == .skipped(.excludedDate))
    }

    @Test("calendars parse from their config names")
    func names() throws {
        #expect(try ScheduleCalendar(named: "every-day") == .everyDay)
        #expect(try ScheduleCalendar(named: "Business-Days") == .businessDays())
        let c = try ScheduleCalendar(named: "business-days", holidays: DanishHolidays(constitutionDayIsHoliday: false),
                                     including: ["2026-11-21"], excluding: ["2026-11-25"])
        #expect(c.base == .businessDays(DanishHolidays(constitutionDayIsHoliday: false)))
        #expect(c.included == [day("2026-11-21")])
        #expect(c.excluded == [day("2026-11-25")])
        #expect(c.name == "business-days")
    }

    @Test("unknown calendar names and bad dates are refused with what is valid")
    func badNames() {
        let error = scheduleError { _ = try ScheduleCalendar(named: "weekdays") }
        #expect(error?.code == .unknownCalendar)
        #expect(error?.message == "unknown calendar \"weekdays\"; valid calendars: every-day, business-days")
        let date = scheduleError { _ = try ScheduleCalendar(named: "every-day", excluding: ["2026-02-30"]) }
        #expect(date?.code == .invalidDate)
        #expect(date?.message == "exclude date \"2026-02-30\" is not a real date written YYYY-MM-DD")
    }

    @Test("skip reasons read well in logs")
    func reasonText() {
        #expect(CalendarSkipReason.holiday(name: "Påskedag").description == "holiday: Påskedag")
        #expect(CalendarSkipReason.weekend(weekday: "Sunday").description == "weekend (Sunday)")
        #expect(CalendarSkipReason.excludedDate.description == "excluded date")
    }
}
