/// Danish public holidays (helligdage) and the days the public sector treats as closed.
///
/// Easter-derived days follow the Gregorian computus. Great Prayer Day (store bededag,
/// 4th Friday after Easter) was abolished by law from 2024, so it is a holiday only up to
/// and including 2023. Constitution Day (5 June), Christmas Eve and New Year's Eve are not
/// statutory holidays but public offices close; Constitution Day is a switch because
/// operators disagree about it.
public struct DanishHolidays: Sendable, Hashable {
    /// Whether 5 June (Grundlovsdag) counts as a holiday.
    public var constitutionDayIsHoliday: Bool

    /// Constitution Day is closed by default, as in most municipal agreements.
    public init(constitutionDayIsHoliday: Bool = true) {
        self.constitutionDayIsHoliday = constitutionDayIsHoliday
    }

    /// Easter Sunday of `year` (anonymous Gregorian algorithm).
    public static func easterSunday(_ year: Int) -> CivilDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)!
    }

    /// Every holiday of `year` with its Danish name, in date order.
    public func holidays(in year: Int) -> [(date: CivilDate, name: String)] {
        let easter = Self.easterSunday(year)
        var list: [(CivilDate, String)] = [
            (CivilDate(year: year, month: 1, day: 1)!, "Nytårsdag"),
            (easter.adding(days: -3), "Skærtorsdag"),
            (easter.adding(days: -2), "Langfredag"),
            (easter, "Påskedag"),
            (easter.adding(days: 1), "2. påskedag"),
            (easter.adding(days: 39), "Kristi himmelfartsdag"),
            (easter.adding(days: 49), "Pinsedag"),
            (easter.adding(days: 50), "2. pinsedag"),
            (CivilDate(year: year, month: 12, day: 24)!, "Juleaftensdag"),
            (CivilDate(year: year, month: 12, day: 25)!, "Juledag"),
            (CivilDate(year: year, month: 12, day: 26)!, "2. juledag"),
            (CivilDate(year: year, month: 12, day: 31)!, "Nytårsaftensdag"),
        ]
        if year <= 2023 {
            list.append((easter.adding(days: 26), "Store bededag"))
        }
        if constitutionDayIsHoliday {
            list.append((CivilDate(year: year, month: 6, day: 5)!, "Grundlovsdag"))
        }
        // Constitution Day can fall on a Whit Sunday or Whit Monday (2022-06-05 was
        // Pinsedag, 2028-06-05 is 2. pinsedag). One entry per date, with both names, so
        // that callers counting or listing holidays do not see the day twice.
        var merged: [(date: CivilDate, name: String)] = []
        for (date, name) in list.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, last.date == date {
                merged[merged.count - 1].name = last.name + " og " + name
            } else {
                merged.append((date: date, name: name))
            }
        }
        return merged
    }

    /// The holiday's name when `date` is one, else nil.
    public func holidayName(_ date: CivilDate) -> String? {
        holidays(in: date.year).first { $0.date == date }?.name
    }

    /// Whether `date` is one of this configuration's holidays.
    public func isHoliday(_ date: CivilDate) -> Bool {
        holidayName(date) != nil
    }

    /// Monday to Friday and not a holiday: the days CPR change extracts are produced.
    public func isBusinessDay(_ date: CivilDate) -> Bool {
        !date.isWeekend && !isHoliday(date)
    }

    /// The first business day strictly after `date`.
    public func nextBusinessDay(after date: CivilDate) -> CivilDate {
        var d = date.adding(days: 1)
        while !isBusinessDay(d) { d = d.adding(days: 1) }
        return d
    }

    /// The last business day strictly before `date`.
    public func previousBusinessDay(before date: CivilDate) -> CivilDate {
        var d = date.adding(days: -1)
        while !isBusinessDay(d) { d = d.adding(days: -1) }
        return d
    }
}
