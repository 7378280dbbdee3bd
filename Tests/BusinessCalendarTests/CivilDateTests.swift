import BusinessCalendar
import Testing

@Suite("CivilDate")
struct CivilDateTests {
    @Test("day numbers round-trip over four centuries, both sides of 1970")
    func roundTrip() {
        for z in stride(from: -150_000, through: 150_000, by: 7) {
            #expect(CivilDate(daysSinceEpoch: z).daysSinceEpoch == z)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1)!.daysSinceEpoch == 11_017)
        #expect(CivilDate(year: 1969, month: 12, day: 31)!.daysSinceEpoch == -1)
    }

    @Test("ISO weekdays", arguments: [
        ("1970-01-01", 4), ("2026-11-23", 1), ("2026-03-29", 7), ("2024-02-29", 4),
        ("2000-01-01", 6), ("1969-12-31", 3), ("2032-02-29", 7),
    ])
    func weekdays(iso: String, weekday: Int) throws {
        let date = try #require(CivilDate(iso: iso))
        #expect(date.isoWeekday == weekday)
        #expect(date.isWeekend == (weekday >= 6))
    }

    @Test("parsing accepts real dates and refuses everything else")
    func parsing() {
        #expect(CivilDate(iso: "2024-02-29") == CivilDate(year: 2024, month: 2, day: 29))
        for bad in ["2023-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-4-01", "26-04-01",
                    "2026-+1-05", "2026-01-+5", "+026-01-05", "2026-01-05x", "2026/01/05", "", "2026-01"] {
            #expect(CivilDate(iso: bad) == nil, "\(bad)")
        }
    }

    @Test("leap years follow the Gregorian century rule")
    func leapYears() {
        #expect(CivilDate.isLeapYear(2000))
        #expect(!CivilDate.isLeapYear(2100))
        #expect(CivilDate.isLeapYear(2028))
        #expect(!CivilDate.isLeapYear(2026))
        #expect(CivilDate.daysIn(month: 2, year: 2028) == 29)
        #expect(CivilDate(year: 2100, month: 2, day: 29) == nil)
    }

    @Test("arithmetic, ordering and formats")
    func arithmeticAndFormats() {
        let d = CivilDate(year: 2026, month: 12, day: 31)!
        #expect(d.adding(days: 1) == CivilDate(year: 2027, month: 1, day: 1))
        #expect(d.adding(days: -365) == CivilDate(year: 2025, month: 12, day: 31))
        #expect(d.days(until: CivilDate(year: 2027, month: 3, day: 1)!) == 60)
        #expect(CivilDate(year: 2026, month: 1, day: 9)! < CivilDate(year: 2026, month: 1, day: 10)!)
        #expect(CivilDate(year: 2026, month: 3, day: 5)!.description == "2026-03-05")
        #expect(CivilDate(year: 2026, month: 3, day: 5)!.compact == "20260305")
        #expect(CivilDate(year: 2006, month: 3, day: 5)!.yymmdd == "060305")
        #expect(CivilDate(daysSinceEpoch: -720_000).description.hasPrefix("-"))
    }
}
