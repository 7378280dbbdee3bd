import Foundation

/// The requested time of an order, as operators write it: ISO 8601 with a zone
/// (`2026-11-24T06:00:00Z`, `2026-11-24T07:00:00+01:00`) or Copenhagen wall-clock time
/// (`2026-11-24 07:00`), the platform's local time.
public enum RequestedTime {
    public static func parse(_ text: String, timeZone: TimeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let d = try? Date(t, strategy: .iso8601) { return d }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: t) { return d }
        let parts = t.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let ymd = parts[0].split(separator: "-").compactMap { Int($0) }
        let hm = parts[1].split(separator: ":").compactMap { Int($0) }
        guard ymd.count == 3, (2...3).contains(hm.count) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = DateComponents(year: ymd[0], month: ymd[1], day: ymd[2], hour: hm[0], minute: hm[1], second: hm.count == 3 ? hm[2] : 0)
        guard c.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: c)
    }

    public static let help = "ISO 8601 with a zone (2026-11-24T06:00:00Z) or Copenhagen time (2026-11-24 07:00)"
}
