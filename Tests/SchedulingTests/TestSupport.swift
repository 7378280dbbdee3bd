import BusinessCalendar
import Foundation
@testable import Scheduling

/// "2026-03-29T01:00Z" or "2026-03-29T01:00:30Z" as an instant, without a formatter.
func utc(_ text: String) -> Date {
    let (datePart, timePart) = (text.prefix(10), text.dropFirst(11).dropLast())
    let date = CivilDate(iso: datePart)!
    let hms = timePart.split(separator: ":").map { Int($0)! }
    let seconds = date.daysSinceEpoch * 86_400 + hms[0] * 3600 + hms[1] * 60 + (hms.count > 2 ? hms[2] : 0)
    return Date(timeIntervalSince1970: Double(seconds))
}

let copenhagen = TimeZone(identifier: "Europe/Copenhagen")!

/// "2026-03-29 03:00": an instant as Copenhagen wall-clock time, for readable expectations.
func local(_ instant: Date, _ zone: TimeZone = copenhagen) -> String {
    let t = Int(instant.timeIntervalSince1970) + zone.secondsFromGMT(for: instant)
    let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
    let rest = t - days * 86_400
    return "\(CivilDate(daysSinceEpoch: days)) \(twoDigits(rest / 3600)):\(twoDigits(rest / 60 % 60))"
}

func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

func cron(_ text: String) throws -> CronExpression { try CronExpression(text) }

/// The `ScheduleError` a throwing call produced, or nil when it did not throw one.
func scheduleError(_ body: () throws -> Void) -> ScheduleError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ScheduleError
    }
}
