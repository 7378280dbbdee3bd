import ArgumentParser
import BusinessCalendar
import Foundation
import Scheduler
import Scheduling
import Runtime
import Store

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Check schedules before trusting them, and see what became of every slot.",
        subcommands: [Next.self, List.self, History.self])

    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next run times of a configured schedule, or of a cron expression, with the calendar applied.",
            discussion: """
            `udtraek schedule next NAME` reads the extract's schedule from the state database; `udtraek schedule next \\
            --cron EXPR [--calendar business-days] [--tz ZONE]` checks an expression not yet configured. Slots the \\
            calendar skips (weekends, holidays by name, excluded dates) are shown too, and slots moved by daylight \\
            saving are marked.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A scheduled extract (see `udtraek schedule list`).") var name: String?
        @Option(help: "5-field cron expression or @daily/@hourly/@weekly/@monthly/@yearly.") var cron: String?
        @Option(help: "With --cron: every-day or business-days.") var calendar = "every-day"
        @Option(help: "With --cron: tz database zone.") var tz = Schedule.defaultTimeZoneIdentifier
        @Option(help: "With --cron: dates that run although the calendar skips them (YYYY-MM-DD, comma-separated).")
        var include: String?
        @Option(help: "With --cron: dates that never run (YYYY-MM-DD, comma-separated).") var exclude: String?
        @Flag(inversion: .prefixedNo, help: "With --cron: count 5 June (Grundlovsdag) as a holiday.") var constitutionDay = true
        @Option(help: "How many runs.") var count = 10
        @Option(help: "Start from this date (YYYY-MM-DD, midnight in the zone); default now.") var from: String?
        @Flag(help: "JSON for scripts.") var json = false

        struct Row: Encodable {
            var local: String
            var utc: String
            var runs: Bool
            var note: String
        }

        func validate() throws {
            guard (name == nil) != (cron == nil) else {
                throw ValidationError("give either an extract NAME or --cron EXPR")
            }
            guard (1...1000).contains(count) else { throw ValidationError("--count must be 1...1000") }
        }

        func run() throws {
            let schedule: Schedule
            if let name {
                let store = try global.openStore()
                guard let state = try store.schedule(extract: name) else {
                    let known = try store.schedules().map(\.schedule.extract)
                    throw Failure("the extract '\(name)' has no schedule"
                                  + (known.isEmpty ? "; none is configured (add schedule: under an extract)" : "; scheduled extracts: \(known.joined(separator: ", "))"))
                }
                do { schedule = try ConfiguredSchedule(state).schedule } catch { throw Failure("\(error)") }
                if !state.schedule.enabled { print("Note: the schedule of \(name) is disabled (enabled: false); these are the times it would run.") }
            } else {
                do {
                    let split = { (text: String?) in text.map { $0.split(separator: ",").map(String.init) } ?? [] }
                    let cal = try ScheduleCalendar(named: calendar, holidays: DanishHolidays(constitutionDayIsHoliday: constitutionDay),
                                                   including: split(include), excluding: split(exclude))
                    schedule = try Schedule(cron: cron!, timeZone: tz, calendar: cal)
                } catch {
                    throw Failure("\(error)")
                }
            }
            var start = RuntimeClock.system.date
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

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every schedule with its next run and its last decided slot.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "JSON for scripts.") var json = false

        struct Row: Encodable {
            var extract: String
            var cron: String
            var timeZone: String
            var calendar: String
            var overlap: String
            var catchUp: String
            var enabled: Bool
            var since: Date
            var lastSlot: Date?
            var nextRun: Date?
            var problem: String?
        }

        func run() throws {
            let store = try global.openStore()
            let rows = try store.schedules().map { state -> Row in
                let s = state.schedule
                var next: Date?
                var problem: String?
                do { next = try ConfiguredSchedule(state).schedule.nextRun(after: max(RuntimeClock.system.date, state.createdAt)) } catch {
                    problem = "\(error)"
                }
                return Row(extract: s.extract, cron: s.cron, timeZone: s.timeZone, calendar: s.calendar, overlap: s.overlap,
                           catchUp: s.catchUp, enabled: s.enabled, since: state.createdAt, lastSlot: state.lastHandledSlot,
                           nextRun: s.enabled ? next : nil, problem: problem)
            }
            try Output(json: json).emit(rows, columns: [
                ("EXTRACT", \.extract), ("CRON", \.cron), ("ZONE", \.timeZone), ("CALENDAR", \.calendar),
                ("OVERLAP", \.overlap), ("CATCH-UP", \.catchUp), ("ENABLED", { $0.enabled ? "yes" : "no" }),
                ("LAST SLOT", { Format.local($0.lastSlot, TimeZone(identifier: $0.timeZone) ?? .gmt) }),
                ("NEXT RUN", { row in row.nextRun.map { Format.local($0, TimeZone(identifier: row.timeZone) ?? .gmt) } ?? (row.problem ?? "-") }),
            ], empty: "No schedules. Add schedule: to an extract in the configuration and run `udtraek config apply`.")
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every decided slot of a schedule, newest first: ran, caught up, queued, skipped (holiday, weekend, excluded, overlap) or missed, with its run's outcome.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A scheduled extract.") var name: String
        @Option(help: "How many slots.") var limit = 30
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let store = try global.openStore()
            guard try store.extractDefinition(named: name) != nil || !(try store.scheduleSlots(extract: name, limit: 1)).isEmpty else {
                throw Failure("there is no extract named '\(name)'; see `udtraek schedule list`")
            }
            try Output(json: json).emit(try store.scheduleSlots(extract: name, limit: limit), columns: [
                ("SLOT (local)", \.localTime), ("DECISION", \.outcome), ("RUN", { $0.runId.map { "\($0)" } ?? "-" }),
                ("RUN OUTCOME", { $0.runState ?? "-" }), ("DETAIL", \.detail), ("DECIDED", { Format.time($0.decidedAt) }),
            ], empty: "No slots decided yet for \(name).")
        }
    }
}
