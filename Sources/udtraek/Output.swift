import Foundation

/// Prints rows as an aligned table for people or as JSON for scripts.
struct Output {
    var json: Bool

    func emit<T: Encodable>(_ rows: [T], columns: [(String, (T) -> String)], empty: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        guard !rows.isEmpty else { print(empty); return }
        let header = columns.map(\.0)
        let cells = rows.map { row in columns.map { $0.1(row) } }
        let widths = header.indices.map { i in ([header[i]] + cells.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        print(line(header))
        print(line(widths.map { String(repeating: "-", count: $0) }))
        cells.forEach { print(line($0)) }
    }
}

enum Format {
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
            .timeSeparator(.colon).dateTimeSeparator(.space))
    }

    /// Wall-clock time in `zone` with its abbreviation ("2026-11-24 06:15 CET"), for
    /// schedules, whose operators think in local time.
    static func local(_ date: Date?, _ zone: TimeZone) -> String {
        guard let date else { return "-" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d ", c.year!, c.month!, c.day!, c.hour!, c.minute!)
            + (zone.abbreviation(for: date) ?? zone.identifier)
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(n)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func rate(_ bytesPerSecond: Double?) -> String {
        guard let r = bytesPerSecond else { return "-" }
        return String(format: "%.1f MB/s", r / 1_000_000)
    }
}

/// Exit with a message on standard error and a non-zero status.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
