import ArgumentParser
import BusinessCalendar
import Foundation
import Scheduling

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Check schedules before trusting them.",
        subcommands: [Next.self])

    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next run times of a cron expression with the calendar applied.",
            discussion: "Slots the calendar skips (weekends, holidays by name, excluded dates) are shown too, and slots moved by daylight saving are marked.")
        @Option(help: "5-field cron expression or @daily/@hourly/@weekly/@monthly/@yearly.") var cron: String
        @Option(help: "every-day or business-days.") var calendar = "every-day"
        @Option(help: "tz database zone.") var tz = Schedule.defaultTimeZoneIdentifier
        @Option(help: "How many runs.") var count = 10
        @Option(help: "Start from this date (YYYY-MM-DD, midnight in the zone); default now.") var from: String?
        @Flag(inversion: .prefixedNo, help: "Count 5 June (Grundlovsdag) as a holiday.") var constitutionDay = true
        @Flag(help: "JSON for scripts.") var json = false

        struct Row: Encodable {
            var local: String
            var utc: String
            var runs: Bool
            var note: String
        }

        func run() throws {
            guard (1...1000).contains(count) else { throw ValidationError("--count must be 1...1000") }
            let schedule: Schedule
            do {
                let cal = try ScheduleCalendar(named: calendar, holidays: DanishHolidays(constitutionDayIsHoliday: constitutionDay))
                schedule = try Schedule(cron: cron, timeZone: tz, calendar: cal)
            } catch {
                throw Failure("\(error)")
            }
            var start = Date()
            if let from {
                guard let day = CivilDate(iso: from) else { throw ValidationError("--from must be YYYY-MM-DD, got '\(from)'") }
                var c = Calendar(identifier: .gregorian)
                c.timeZone = schedule.timeZone
                start = c.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!.addingTimeInterval(-1)
            }
            var rows: [Row] = []
            var runs = 0
            var iterator = schedule.slots(after: start).makeIterator()
            let utc = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
            while runs < count, rows.count < count * 20, let slot = iterator.next() {
                let note: String = switch slot.dstAdjustment {
                case .none: slot.runs ? "" : "\(slot.disposition)"
                case .movedOutOfGap: "moved out of the daylight-saving gap"
                case .firstOfRepeated: "first of the repeated hour"
                }
                let local = "\(slot.date) \(String(format: "%02d:%02d", slot.hour, slot.minute))"
                rows.append(Row(local: local, utc: slot.instant.formatted(utc), runs: slot.runs, note: note))
                if slot.runs { runs += 1 }
            }
            try Output(json: json).emit(rows, columns: [
                ("LOCAL (\(schedule.timeZone.identifier))", \.local), ("UTC", \.utc),
                ("RUNS", { $0.runs ? "yes" : "no" }), ("NOTE", \.note),
            ], empty: "No slots.")
        }
    }
}
