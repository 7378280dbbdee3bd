import BusinessCalendar
import Foundation
import Testing
@testable import Scheduling

@Suite("Schedules")
struct ScheduleTests {
    @Test("next runs of a plain daily schedule in Copenhagen")
    func daily() throws {
        let s = try Schedule(cron: "30 6 * * *")
        #expect(s.timeZone.identifier == "Europe/Copenhagen")
        let runs = try s.nextRuns(after: utc("2026-11-23T05:30Z"), count: 3)
        #expect(runs == [utc("2026-11-24T05:30Z"), utc("2026-11-25T05:30Z"), utc("2026-11-26T05:30Z")])
        #expect(try s.nextRun(after: utc("2026-11-23T05:29:59Z")) == utc("2026-11-23T05:30Z"))
        #expect(try s.nextRuns(after: utc("2026-11-23T05:30Z"), count: 0) == [])
    }

    @Test("other zones", arguments: [
        ("UTC", "2026-11-23T06:30Z"), ("Asia/Kolkata", "2026-11-24T01:00Z"), ("America/New_York", "2026-11-23T11:30Z"),
    ])
    func otherZones(zone: String, expected: String) throws {
        let s = try Schedule(cron: "30 6 * * *", timeZone: zone)
        #expect(try s.nextRun(after: utc("2026-11-23T06:00Z")) == utc(expected))
    }

    @Test("leap-day schedule runs on 29 February only")
    func leapDay() throws {
        let s = try Schedule(cron: "0 0 29 2 *")
        let runs = try s.nextRuns(after: utc("2026-01-01T00:00Z"), count: 3)
        #expect(runs.map { local($0) } == ["2028-02-29 00:00", "2032-02-29 00:00", "2036-02-29 00:00"])
        // On business days 2032-02-29 (a Sunday) is skipped: eight years between runs.
        let business = try Schedule(cron: "0 0 29 2 *", calendar: .businessDays())
        #expect(try business.nextRuns(after: utc("2026-01-01T00:00Z"), count: 2).map { local($0) }
            == ["2028-02-29 00:00", "2036-02-29 00:00"])
    }

    @Test("expressions that can never fire are refused at once", arguments: [
        ("0 0 31 2 *", "\"0 0 31 2 *\" never runs: February has no day 31"),
        ("0 0 30 2 *", "\"0 0 30 2 *\" never runs: February has no day 30"),
        ("0 0 31 apr,jun,sep,nov *", "\"0 0 31 apr,jun,sep,nov *\" never runs: none of April, June, September, November has a day 31"),
    ])
    func neverRuns(expression: String, message: String) {
        let error = scheduleError { _ = try Schedule(cron: expression) }
        #expect(error?.code == .neverRuns)
        #expect(error?.message == message)
    }

    @Test("a calendar that skips every candidate is reported, not looped")
    func calendarSkipsAll() throws {
        let weekendOnly = try Schedule(cron: "0 12 * * sat,sun", calendar: .businessDays())
        let error = scheduleError { _ = try weekendOnly.nextRuns(after: utc("2026-11-23T00:00Z"), count: 1) }
        #expect(error?.code == .neverRuns)
        #expect(error?.message.contains("never runs on calendar \"business-days\"") == true)
        #expect(error?.message.contains("skips every day the expression matches") == true)
        #expect(error?.message.contains("weekend days") == true)

        let excluded = ScheduleCalendar(base: .everyDay, excluding: [day("2027-01-01"), day("2028-01-01")])
        let newYearOnly = try Schedule(cron: "@yearly", calendar: excluded)
        #expect(try newYearOnly.nextRun(after: utc("2026-06-01T00:00Z")) == utc("2028-12-31T23:00Z"))

        let holidaysOnly = try Schedule(cron: "0 9 25 12 *", calendar: .businessDays())
        let holidayError = scheduleError { _ = try holidaysOnly.nextRun(after: utc("2026-06-01T00:00Z")) }
        #expect(holidayError?.message.contains("holidays") == true)
    }

    @Test("slots carry their calendar disposition, holiday names included")
    func slotDispositions() throws {
        let s = try Schedule(cron: "0 7 * * *", calendar: .businessDays())
        let slots = Array(s.slots(after: utc("2026-04-01T12:00Z")).prefix(7))
        #expect(slots.map { "\($0.date) \($0.disposition)" } == [
            "2026-04-02 skipped: holiday: Skærtorsdag",
            "2026-04-03 skipped: holiday: Langfredag",
            "2026-04-04 skipped: weekend (Saturday)",
            "2026-04-05 skipped: weekend (Sunday)",
            "2026-04-06 skipped: holiday: 2. påskedag",
            "2026-04-07 runs",
            "2026-04-08 runs",
        ])
        #expect(try s.nextRun(after: utc("2026-04-01T12:00Z")) == utc("2026-04-07T05:00Z"))
        // Whit Monday and Constitution Day together in 2028: one skip, both names.
        let whit = Array(s.slots(from: utc("2028-06-05T00:00Z")).prefix(1))
        #expect(whit.first?.disposition == .skipped(.holiday(name: "2. pinsedag og Grundlovsdag")))
    }

    @Test("business-day schedule over Christmas and New Year")
    func christmas() throws {
        let s = try Schedule(cron: "0 6 * * mon-fri", calendar: .businessDays())
        let runs = try s.nextRuns(after: utc("2026-12-22T12:00Z"), count: 3)
        #expect(runs.map { local($0) } == ["2026-12-23 06:00", "2026-12-28 06:00", "2026-12-29 06:00"])
        let after = try s.nextRuns(after: utc("2026-12-29T12:00Z"), count: 2)
        #expect(after.map { local($0) } == ["2026-12-30 06:00", "2027-01-04 06:00"])
    }

    // MARK: Daylight saving

    @Test("a slot in the skipped hour runs once at the first valid minute", arguments: [
        ("2026-03-28T12:00Z", "2026-03-29 03:00", "2026-03-29T01:00Z"),
        ("2027-03-27T12:00Z", "2027-03-28 03:00", "2027-03-28T01:00Z"),
    ])
    func springForward(after: String, expectedLocal: String, expectedUTC: String) throws {
        for expression in ["30 2 * * *", "0 2 * * *", "59 2 * * *", "0,30 2 * * *"] {
            let s = try Schedule(cron: expression)
            let runs = try s.nextRuns(after: utc(after), count: 3)
            #expect(runs[0] == utc(expectedUTC), "\(expression)")
            #expect(local(runs[0]) == expectedLocal, "\(expression)")
            #expect(local(runs[1]).hasSuffix(expression.hasPrefix("30") ? "02:30" : expression.hasPrefix("59") ? "02:59" : "02:00"),
                    "\(expression): the next day is back to normal")
            let slot = try #require(s.slots(after: utc(after)).first { _ in true })
            #expect(slot.dstAdjustment == .movedOutOfGap)
        }
        // A slot at 03:00 and one in the gap that day collapse into one run.
        let both = try Schedule(cron: "30 2,3 * * *")
        let runs = try both.nextRuns(after: utc(after), count: 2)
        #expect(runs.map { local($0) } == [expectedLocal, String(expectedLocal.prefix(11)) + "03:30"])
    }

    @Test("a slot in the repeated hour runs once, at its first occurrence", arguments: [
        ("2026-10-24T12:00Z", "2026-10-25", "2026-10-25T00:30Z"),
        ("2027-10-30T12:00Z", "2027-10-31", "2027-10-31T00:30Z"),
    ])
    func fallBack(after: String, date: String, firstOccurrence: String) throws {
        let s = try Schedule(cron: "30 2 * * *")
        let runs = try s.nextRuns(after: utc(after), count: 2)
        #expect(runs[0] == utc(firstOccurrence))     // 02:30 CEST, not 02:30 CET an hour later
        #expect(local(runs[0]) == "\(date) 02:30")
        #expect(runs[1].timeIntervalSince(runs[0]) == 25 * 3600)
        let slot = try #require(s.slots(after: utc(after)).first { _ in true })
        #expect(slot.dstAdjustment == .firstOfRepeated)
        // Asking from between the two occurrences does not produce the second one.
        #expect(try s.nextRun(after: utc(firstOccurrence).addingTimeInterval(1)) > utc(firstOccurrence).addingTimeInterval(86_400))
    }

    @Test("every 15 minutes across all four transitions: no duplicate, no gap but the skipped hour", arguments: [
        ("2026-03-28T22:00Z", "2026-03-29", true), ("2026-10-24T21:00Z", "2026-10-25", false),
        ("2027-03-27T22:00Z", "2027-03-28", true), ("2027-10-30T21:00Z", "2027-10-31", false),
    ])
    func quarterHours(start: String, date: String, spring: Bool) throws {
        let s = try Schedule(cron: "*/15 * * * *")
        let runs = try s.nextRuns(after: utc(start), count: 4 * 30)
        let walls = runs.map { local($0) }
        #expect(Set(runs).count == runs.count)
        #expect(Set(walls).count == walls.count)
        #expect(runs == runs.sorted())
        // Expected wall times: every quarter hour from 23:15 the evening before, minus the
        // skipped hour in spring.
        var expected: [String] = []
        var d = day(date).adding(days: -1)
        var minutes = 23 * 60 + 15
        while expected.count < runs.count {
            let h = minutes / 60, m = minutes % 60
            let inGap = spring && d == day(date) && h == 2
            if !inGap { expected.append("\(d) \(twoDigits(h)):\(twoDigits(m))") }
            minutes += 15
            if minutes == 24 * 60 { minutes = 0; d = d.adding(days: 1) }
        }
        #expect(walls == expected)
        let gaps = zip(runs, runs.dropFirst()).map { $1.timeIntervalSince($0) }
        // In UTC: spring has no gap at all (the missing wall hour is not real time);
        // autumn's only longer gap is the repeated hour, not run twice.
        #expect(gaps.filter { $0 != 900 } == (spring ? [] : [4500]))
    }

    @Test("slot iterator collapses gap slots into one and is strictly increasing")
    func iteratorAcrossSpring() throws {
        let s = try Schedule(cron: "*/15 1-3 29 3 *")
        let slots = Array(s.slots(after: utc("2026-03-28T12:00Z")).prefix(9))
        #expect(slots.map { "\($0.hour):\($0.minute) \(local($0.instant))" } == [
            "1:0 2026-03-29 01:00", "1:15 2026-03-29 01:15", "1:30 2026-03-29 01:30", "1:45 2026-03-29 01:45",
            "2:0 2026-03-29 03:00", "3:15 2026-03-29 03:15", "3:30 2026-03-29 03:30", "3:45 2026-03-29 03:45",
            "1:0 2027-03-29 01:00",
        ])
        #expect(slots[4].dstAdjustment == .movedOutOfGap)
        #expect(slots[4].description == "2026-03-29 02:00 @ 2026-03-29T01:00:00Z (moved out of DST gap): runs")
    }

    @Test("half-hour daylight saving: the gap's end, not a whole hour later")
    func lordHowe() throws {
        // Lord Howe Island moves from +10:30 to +11:00 at 02:00 on the first Sunday of October.
        let zone = try Schedule.timeZone(identifier: "Australia/Lord_Howe")
        let s = try Schedule(cron: CronExpression("15 2 * * *"), timeZone: zone)
        let runs = try s.nextRuns(after: utc("2026-10-03T00:00Z"), count: 2)
        #expect(local(runs[0], zone) == "2026-10-04 02:30")
        #expect(local(runs[1], zone) == "2026-10-05 02:15")
    }

    @Test("asking from the moved slot's own instant does not return it again")
    func fromMovedSlot() throws {
        let s = try Schedule(cron: "30 2 * * *")
        #expect(local(try s.nextRun(after: utc("2026-03-29T01:00Z"))) == "2026-03-30 02:30")
        #expect(local(try s.nextRun(after: utc("2026-03-29T00:59:59Z"))) == "2026-03-29 03:00")
    }

    @Test("unknown time zones are refused with a hint")
    func badZones() {
        let unknown = scheduleError { _ = try Schedule(cron: "@daily", timeZone: "Europe/Kobenhavn") }
        #expect(unknown?.code == .unknownTimeZone)
        #expect(unknown?.message == "unknown time zone \"Europe/Kobenhavn\"; use a tz database name such as \"Europe/Copenhagen\" or \"UTC\"")
        let wrongCase = scheduleError { _ = try Schedule(cron: "@daily", timeZone: "europe/copenhagen") }
        #expect(wrongCase?.message == "unknown time zone \"europe/copenhagen\"; did you mean \"Europe/Copenhagen\"?")
        #expect(scheduleError { _ = try Schedule(cron: "@daily", timeZone: "") }?.code == .unknownTimeZone)
    }

    @Test("a negative count is refused")
    func negativeCount() throws {
        let s = try Schedule(cron: "@hourly")
        #expect(scheduleError { _ = try s.nextRuns(after: utc("2026-11-23T00:00Z"), count: -1) }?.code == .invalidArgument)
    }
}
