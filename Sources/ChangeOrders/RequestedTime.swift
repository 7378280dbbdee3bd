import Foundation
import Store

/// The requested time of an order, as operators write it: ISO 8601 with a zone
/// (`2026-11-24T06:00:00Z`, `2026-11-24T07:00:00+01:00`) or Copenhagen wall-clock time
/// (`2026-11-24 07:00`), the platform's local time.
public enum RequestedTime {
    public static func parse(_ text: String, timeZone: TimeZone = copenhagen) -> Date? {
        try? read(text, timeZone: timeZone).get()
    }

    /// The time, or why `text` is not one, in the operator's terms: a wall-clock time that
    /// falls in the hour skipped when daylight saving starts is named as such, with the
    /// times to use instead, rather than "not a time".
    public static func read(_ text: String, timeZone: TimeZone = copenhagen) -> Result<Date, RequestedTimeError> {
        let result = readAnyYear(text, timeZone: timeZone)
        // The ISO 8601 reader takes years like 0001, where calendars disagree (Julian before
        // 1582): the durations fuzz target found such a time reading back two days off.
        if case .success(let date) = result, !years.contains(date) {
            let shown = text.trimmingCharacters(in: .whitespaces).displaySafe(limit: 64)
            return .failure(RequestedTimeError("'\(shown)' is outside the years 1970-9999 that a change order can be carried out in: \(help)"))
        }
        return result
    }

    /// 1970-01-01T00:00:00Z up to the end of 9999.
    static let years = Date(timeIntervalSince1970: 0)..<Date(timeIntervalSince1970: 253_402_300_800)

    private static func readAnyYear(_ text: String, timeZone: TimeZone) -> Result<Date, RequestedTimeError> {
        let t = text.trimmingCharacters(in: .whitespaces)
        let shown = t.displaySafe(limit: 64)
        guard t.utf8.count <= 64 else { return .failure(RequestedTimeError("'\(shown)' is not a time: \(help)")) }
        if let d = try? Date(t, strategy: .iso8601) { return .success(d) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: t) { return .success(d) }
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return .failure(RequestedTimeError("'\(shown)' is not a time: \(help)")) }
        // Digits only, and few of them, so Calendar never sees a year like 9223372036854775807.
        let ymd = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        let hm = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard ymd.count == 3, (2...3).contains(hm.count),
              zip(ymd, [4, 2, 2]).allSatisfy({ $0.count == $1 && $0.allSatisfy(\.isASCIIDigit) }),
              hm.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(ymd[0]), let month = Int(ymd[1]), let day = Int(ymd[2]),
              let hour = Int(hm[0]), let minute = Int(hm[1])
        else { return .failure(RequestedTimeError("'\(shown)' is not a time: \(help)")) }
        let second = hm.count == 3 ? Int(hm[2]) ?? 0 : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day0 = DateComponents(year: year, month: month, day: day)
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              day0.isValidDate(in: calendar)
        else { return .failure(RequestedTimeError("'\(shown)' is not a time: \(help)")) }
        let c = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if c.isValidDate(in: calendar), let date = calendar.date(from: c) { return .success(date) }
        // A valid day and clock reading that the zone skips: the spring daylight-saving gap.
        guard let midnight = calendar.date(from: day0),
              let next = calendar.nextDate(after: midnight, matching: DateComponents(hour: hour, minute: minute), matchingPolicy: .nextTime) else {
            return .failure(RequestedTimeError("'\(shown)' is not a time: \(help)"))
        }
        let local = DateFormatter()
        local.calendar = calendar
        local.timeZone = timeZone
        local.dateFormat = "yyyy-MM-dd HH:mm"
        let utc = ISO8601DateFormatter()
        utc.formatOptions = [.withInternetDateTime]
        return .failure(RequestedTimeError(
            "\(shown) does not exist in \(timeZone.identifier) time: the clocks skip that hour when daylight saving starts that day. "
                + "Give \(local.string(from: next)) (the first minute after the gap) or a time with a zone, such as \(utc.string(from: next))"))
    }

    public static let copenhagen = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt

    public static let help = "ISO 8601 with a zone (2026-11-24T06:00:00Z) or Copenhagen time (2026-11-24 07:00)"
}

/// Why a requested time was refused; the description says what to give instead.
public struct RequestedTimeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
