import Foundation
import Store
import Testing
import UdtraekConfig

/// Bad schedules are refused when the configuration is read, each at its own line and key.
@Suite struct ScheduleConfigurationTests {
    static func issues(_ schedule: String) -> String {
        let text = SchedulerFixture.config(schedule: schedule)
        do {
            _ = try ConfigurationFile.parse(text, path: "s.yaml")
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        ("cron: \"61 6 * * *\"", "s.yaml:17", "extracts[0].schedule.cron", "out of range 0-59"),
        ("cron: \"0 6 * *\"", "s.yaml:17", "extracts[0].schedule.cron", "5 fields"),
        ("cron: \"0 0 31 2 *\"", "s.yaml:17", "extracts[0].schedule.cron", "February has no day 31"),
        ("cron: \"0 6 * * *\"\ntime_zone: Europe/Kobenhavn", "s.yaml:18", "extracts[0].schedule.time_zone", "unknown time zone"),
        ("cron: \"0 6 * * *\"\ntime_zone: europe/copenhagen", "s.yaml:18", "extracts[0].schedule.time_zone", "did you mean \"Europe/Copenhagen\""),
        ("cron: \"0 6 * * *\"\ncalendar: workdays", "s.yaml:18", "extracts[0].schedule.calendar", "valid calendars: every-day, business-days"),
        ("cron: \"0 6 * * *\"\noverlap: parallel", "s.yaml:18", "extracts[0].schedule.overlap", "valid policies: queue, skip"),
        ("cron: \"0 6 * * *\"\ncatch_up: all", "s.yaml:18", "extracts[0].schedule.catch_up", "run-once, skip-to-next"),
        ("cron: \"0 6 * * *\"\nexclude: [2026-02-30]", "s.yaml:18", "extracts[0].schedule.exclude[0]", "not a real date"),
        ("cron: \"0 6 * * *\"\ncalender: business-days", "s.yaml:18", "extracts[0].schedule.calender", "did you mean 'calendar'"),
        ("calendar: business-days", "s.yaml:17", "extracts[0].schedule.cron", "the key 'cron' is missing"),
    ])
    func eachBadFieldIsReportedWhereItIsWritten(schedule: String, location: String, key: String, message: String) {
        let report = Self.issues(schedule)
        #expect(report.contains(location), "\(report)")
        #expect(report.contains(key), "\(report)")
        #expect(report.contains(message), "\(report)")
    }

    @Test func aGoodScheduleRoundTripsThroughExport() throws {
        let text = SchedulerFixture.config(schedule: """
            cron: "15 6 * * mon-fri"
            time_zone: UTC
            calendar: business-days
            constitution_day: false
            include: [2026-12-27]
            exclude: [2026-12-28, 2026-12-29]
            overlap: skip
            catch_up: skip-to-next
            enabled: false
            """)
        let snapshot = try ConfigurationFile.parse(text, path: "s.yaml").snapshot
        #expect(snapshot.schedules == [ExtractSchedule(extract: "kbh-changes", cron: "15 6 * * mon-fri", timeZone: "UTC",
                                                       calendar: "business-days", constitutionDay: false, include: ["2026-12-27"],
                                                       exclude: ["2026-12-28", "2026-12-29"], overlap: "skip",
                                                       catchUp: "skip-to-next", enabled: false)])
        let again = try ConfigurationFile.parse(ConfigurationExport.yaml(snapshot), path: "export.yaml").snapshot
        #expect(again.schedules == snapshot.schedules)
        #expect(again.api == snapshot.api)
    }
}
