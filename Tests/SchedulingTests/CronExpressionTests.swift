import BusinessCalendar
import Testing
@testable import Scheduling

@Suite("Cron expressions")
struct CronExpressionTests {
    @Test("field syntax", arguments: [
        ("*", CronField.Kind.minute, Array(0...59)),
        ("*/15", .minute, [0, 15, 30, 45]),
        ("1-5", .minute, [1, 2, 3, 4, 5]),
        ("1,3,5", .hour, [1, 3, 5]),
        ("10-50/20", .minute, [10, 30, 50]),
        ("5/20", .minute, [5, 25, 45]),
        ("0-23/6,7", .hour, [0, 6, 7, 12, 18]),
        ("*/100", .minute, [0]),
        // Steps past Int's end (caught by the cron fuzz target, Fuzz/corpus/cron): the first value only, no trap.
        ("1/9223372036854775807", .minute, [1]),
        ("*/9223372036854775807", .minute, [0]),
        ("5-9/99999999999999999999999", .minute, [5]),
        // "7/1" allowed no day at all (the cron fuzz target): it is Sunday.
        ("7/1", .dayOfWeek, [0]),
        ("7/3", .dayOfWeek, [0]),
        ("5/1", .dayOfWeek, [5, 6]),
        ("31", .dayOfMonth, [31]),
        ("jan-mar", .month, [1, 2, 3]),
        ("JAN,Dec", .month, [1, 12]),
        ("*/3", .month, [1, 4, 7, 10]),
        ("mon-fri", .dayOfWeek, [1, 2, 3, 4, 5]),
        ("Mon,WED", .dayOfWeek, [1, 3]),
        ("7", .dayOfWeek, [0]),
        ("0,7", .dayOfWeek, [0]),
        ("5-7", .dayOfWeek, [0, 5, 6]),
        ("fri-sun", .dayOfWeek, [0, 5, 6]),
        ("sat-sun", .dayOfWeek, [0, 6]),
        ("*", .dayOfWeek, [0, 1, 2, 3, 4, 5, 6]),
        ("*/2", .dayOfWeek, [0, 2, 4, 6]),
        ("sun-sat", .dayOfWeek, [0, 1, 2, 3, 4, 5, 6]),
    ])
    func fieldSyntax(text: String, kind: CronField.Kind, values: [Int]) throws {
        #expect(try CronField(text, kind: kind).values == values)
    }

    @Test("macros expand to their five-field forms", arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"), ("  @hourly ", "0 * * * *"),
    ])
    func macros(macro: String, expansion: String) throws {
        let a = try cron(macro), b = try cron(expansion)
        #expect([a.minute.mask, a.hour.mask, a.dayOfMonth.mask, a.month.mask, a.dayOfWeek.mask]
            == [b.minute.mask, b.hour.mask, b.dayOfMonth.mask, b.month.mask, b.dayOfWeek.mask])
    }

    @Test("case-insensitive names and tabs between fields")
    func caseAndSpacing() throws {
        let c = try cron("0\t12  *  JAN-Mar  MON-fri")
        #expect(c.month.values == [1, 2, 3])
        #expect(c.dayOfWeek.values == [1, 2, 3, 4, 5])
        #expect(c.matches(day("2026-01-05")))   // a Monday in January
        #expect(!c.matches(day("2026-01-04")))  // a Sunday
        #expect(!c.matches(day("2026-04-06")))  // April
    }

    @Test("day-of-month and day-of-week: OR when both restricted, AND otherwise", arguments: [
        ("0 0 1 * mon", "2026-06-01", true),   // the 1st and a Monday
        ("0 0 1 * mon", "2026-06-08", true),   // a Monday
        ("0 0 1 * mon", "2026-07-01", true),   // the 1st (a Wednesday)
        ("0 0 1 * mon", "2026-07-02", false),
        ("0 0 * * mon", "2026-06-08", true),
        ("0 0 * * mon", "2026-06-09", false),
        ("0 0 1 * *", "2026-06-01", true),
        ("0 0 1 * *", "2026-06-02", false),
        ("0 0 1 * */2", "2026-07-01", false),  // star-step day-of-week: AND; Wednesday is odd
        ("0 0 1 * */2", "2026-11-01", true),   // the 1st and a Sunday
        ("0 0 1-7 * 1", "2026-06-15", true),   // OR: a Monday outside 1-7
        ("0 0 1-7 * 1", "2026-06-10", false),  // a Wednesday outside 1-7
    ])
    func dayMatching(expression: String, iso: String, expected: Bool) throws {
        #expect(try cron(expression).matches(day(iso)) == expected)
    }

    @Test("never-running expressions are recognised with a reason", arguments: [
        ("0 0 31 2 *", "February has no day 31"),
        ("0 0 30 2 *", "February has no day 30"),
        ("0 0 30,31 feb *", "February has no day 30 or 31"),
        ("0 0 31 4,6 *", "none of April, June has a day 31"),
        ("0 0 31 2 */2", "February has no day 31"),
    ])
    func neverRuns(expression: String, reason: String) throws {
        #expect(try cron(expression).neverRunsReason == reason)
    }

    @Test("expressions that do run have no never-runs reason", arguments: [
        "0 0 29 2 *", "0 0 31 2 mon", "* * * * *", "0 0 31 * *", "0 0 31 1-2 *", "0 0 * 2 *",
    ])
    func runs(expression: String) throws {
        #expect(try cron(expression).neverRunsReason == nil)
    }

    @Test("bad fields are refused with the field's name, position, token and range", arguments: [
        ("60 * * * *", "minute (field 1): \"60\" is out of range 0-59"),
        ("* 25 * * *", "hour (field 2): \"25\" is out of range 0-23"),
        ("* * 0 * *", "day-of-month (field 3): \"0\" is out of range 1-31"),
        ("* * 32 * *", "day-of-month (field 3): \"32\" is out of range 1-31"),
        ("* * * 13 *", "month (field 4): \"13\" is out of range 1-12"),
        ("* * * 0 *", "month (field 4): \"0\" is out of range 1-12"),
        ("* * * * 8", "day-of-week (field 5): \"8\" is out of range 0-7"),
        ("* 1-99999999999999999999 * * *", "hour (field 2): \"99999999999999999999\" is out of range 0-23"),
        ("*/0 * * * *", "minute (field 1): step \"0\" in \"*/0\" must be at least 1"),
        ("* 0-10/0 * * *", "hour (field 2): step \"0\" in \"0-10/0\" must be at least 1"),
        ("*/x * * * *", "minute (field 1): step \"x\" in \"*/x\" is not a whole number"),
        ("5-1 * * * *", "minute (field 1): range \"5-1\" is reversed (5 is after 1); write the smaller value first"),
        ("* * * * fri-mon", "day-of-week (field 5): range \"fri-mon\" is reversed (5 is after 1); write the smaller value first"),
        ("x * * * *", "minute (field 1): \"x\" is not a number; allowed: 0-59"),
        ("mon * * * *", "minute (field 1): \"mon\" is not a number; allowed: 0-59"),
        ("* * * foo *", "month (field 4): \"foo\" is not a number or a name; allowed: 1-12 or jan-dec"),
        ("* * * * monday", "day-of-week (field 5): \"monday\" is not a number or a name; allowed: 0-7 (0 and 7 are Sunday) or sun-sat"),
        ("* * * * mon-", "day-of-week (field 5): \"mon-\" is an incomplete range; write a-b with both ends in 0-7 (0 and 7 are Sunday) or sun-sat"),
        ("-5 * * * *", "minute (field 1): \"-5\" is an incomplete range; write a-b with both ends in 0-59"),
        ("1,,2 * * * *", "minute (field 1): \"1,,2\" has an empty list element; write values separated by single commas"),
        ("1/2/3 * * * *", "minute (field 1): \"1/2/3\" has more than one \"/\"; a step is written \"*/n\" or \"a-b/n\""),
        ("* /5 * * *", "hour (field 2): \"/5\" has no value before \"/\"; write \"*/n\" or \"a-b/n\""),
        ("1-2-3 * * * *", "minute (field 1): \"1-2-3\" is not a value or a range a-b; allowed: 0-59"),
        ("+5 * * * *", "minute (field 1): \"+5\" is not a number; allowed: 0-59"),
    ])
    func badFields(expression: String, message: String) {
        let error = scheduleError { _ = try CronExpression(expression) }
        #expect(error?.code == .invalidField)
        #expect(error?.message == message)
        #expect(error?.input == expression)
        #expect(error?.description.contains(expression) == true)
    }

    @Test("wrong field counts say how many were given and what is expected", arguments: [
        ("* * * *", "got 4 fields in \"* * * *\"; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"),
        ("* * * * * *", "got 6 fields in \"* * * * * *\"; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"),
        ("5", "got 1 field in \"5\"; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"),
        ("   ", "the expression is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"),
    ])
    func fieldCounts(expression: String, message: String) {
        let error = scheduleError { _ = try CronExpression(expression) }
        #expect(error?.code == .wrongFieldCount)
        #expect(error?.message == message)
    }

    @Test("unknown macros list the valid ones")
    func unknownMacros() {
        let error = scheduleError { _ = try CronExpression("@fortnightly") }
        #expect(error?.code == .unknownMacro)
        #expect(error?.message == "unknown macro \"@fortnightly\"; valid macros: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
        let reboot = scheduleError { _ = try CronExpression("@reboot") }
        #expect(reboot?.message.contains("@reboot is not a time of day") == true)
    }

    @Test("control characters in a refused expression are shown escaped, never raw")
    func controlCharactersAreEscaped() throws {
        let error = try #require(scheduleError { _ = try CronExpression("0 \u{1B}[2J * * *") })
        #expect(!error.description.unicodeScalars.contains { $0.value == 0x1B }, "\(error.description)")
        #expect(error.description.contains("\\u{1B}[2J"), "\(error.description)")
        let macro = try #require(scheduleError { _ = try CronExpression("@\u{7}\u{9B}x") })
        #expect(macro.message.contains("\\u{7}\\u{9B}x"), "\(macro.message)")
    }
}
