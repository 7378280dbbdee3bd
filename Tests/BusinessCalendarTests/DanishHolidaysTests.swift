import BusinessCalendar
import Testing

private func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

@Suite("Danish holidays")
struct DanishHolidaysTests {
    @Test("Easter Sunday", arguments: [
        (2008, "2008-03-23"), (2011, "2011-04-24"), (2019, "2019-04-21"), (2022, "2022-04-17"),
        (2023, "2023-04-09"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"),
        (2027, "2027-03-28"), (2028, "2028-04-16"), (2038, "2038-04-25"), (2000, "2000-04-23"),
        (2285, "2285-03-22"), (1818, "1818-03-22"),
    ])
    func easter(year: Int, iso: String) {
        #expect(DanishHolidays.easterSunday(year) == day(iso))
        #expect(DanishHolidays.easterSunday(year).isoWeekday == 7)
    }

    @Test("Easter-derived holidays of 2026")
    func easterDerived2026() {
        let h = DanishHolidays()
        #expect(h.holidayName(day("2026-04-02")) == "Skærtorsdag")
        #expect(h.holidayName(day("2026-04-03")) == "Langfredag")
        #expect(h.holidayName(day("2026-04-05")) == "Påskedag")
        #expect(h.holidayName(day("2026-04-06")) == "2. påskedag")
        #expect(h.holidayName(day("2026-05-14")) == "Kristi himmelfartsdag")
        #expect(h.holidayName(day("2026-05-24")) == "Pinsedag")
        #expect(h.holidayName(day("2026-05-25")) == "2. pinsedag")
        #expect(h.holidayName(day("2026-04-07")) == nil)
        #expect(h.holidayName(day("2026-05-01")) == nil)
    }

    @Test("Great Prayer Day is a holiday up to 2023 only")
    func greatPrayerDay() {
        let h = DanishHolidays()
        #expect(h.holidayName(day("2023-05-05")) == "Store bededag")
        #expect(h.holidayName(day("2022-05-13")) == "Store bededag")
        #expect(!h.isHoliday(day("2024-04-26")))
        #expect(!h.isHoliday(day("2025-05-16")))
        #expect(!h.isHoliday(day("2026-05-01")))
        #expect(h.isBusinessDay(day("2024-04-26")))
    }

    @Test("Christmas Eve, Christmas, New Year's Eve and Day")
    func yearEnd() {
        let h = DanishHolidays()
        #expect(h.holidayName(day("2026-12-24")) == "Juleaftensdag")
        #expect(h.holidayName(day("2026-12-25")) == "Juledag")
        #expect(h.holidayName(day("2026-12-26")) == "2. juledag")
        #expect(h.holidayName(day("2026-12-31")) == "Nytårsaftensdag")
        #expect(h.holidayName(day("2027-01-01")) == "Nytårsdag")
        #expect(h.isBusinessDay(day("2026-12-23")))
        #expect(h.isBusinessDay(day("2026-12-30")))
    }

    @Test("Constitution Day can be switched off")
    func constitutionDay() {
        #expect(DanishHolidays().holidayName(day("2026-06-05")) == "Grundlovsdag")
        #expect(!DanishHolidays(constitutionDayIsHoliday: false).isHoliday(day("2026-06-05")))
        #expect(DanishHolidays(constitutionDayIsHoliday: false).isBusinessDay(day("2026-06-05")))
        #expect(DanishHolidays().holidays(in: 2026).count == 13)
        #expect(DanishHolidays(constitutionDayIsHoliday: false).holidays(in: 2026).count == 12)
        #expect(DanishHolidays().holidays(in: 2023).count == 14)
    }

    @Test("Constitution Day on Whit Monday is one holiday with both names")
    func coincidingHolidays() {
        let h = DanishHolidays()
        let list = h.holidays(in: 2028)
        #expect(Set(list.map(\.date)).count == list.count)
        #expect(h.holidayName(day("2028-06-05")) == "2. pinsedag og Grundlovsdag")
        #expect(DanishHolidays(constitutionDayIsHoliday: false).holidayName(day("2028-06-05")) == "2. pinsedag")
        #expect(h.holidayName(day("2022-06-05")) == "Pinsedag og Grundlovsdag")
        #expect(list.map(\.date) == list.map(\.date).sorted())
    }

    @Test("next and previous business day step over weekends and Easter")
    func businessDaySteps() {
        let h = DanishHolidays()
        #expect(h.nextBusinessDay(after: day("2026-04-01")) == day("2026-04-07"))
        #expect(h.previousBusinessDay(before: day("2026-04-07")) == day("2026-04-01"))
        #expect(h.nextBusinessDay(after: day("2026-11-20")) == day("2026-11-23"))
        #expect(h.nextBusinessDay(after: day("2026-12-23")) == day("2026-12-28"))
    }
}
