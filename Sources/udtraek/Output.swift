import ArgumentParser
import Foundation
import Store

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
        // Values from the state (names, reasons, errors) may hold anything an operator or
        // a receiver once gave; a table shows them escaped, never raw.
        let cells = rows.map { row in columns.map { $0.1(row).displaySafe(limit: 500) } }
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
        return String(format: "%04d-%02d-%02d %02d:%02d ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
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

/// Checks of CLI arguments that ArgumentParser's types do not make: each error names the
/// option and says what is accepted.
enum Arguments {
    /// The most rows a listing prints.
    static let maximumRows = 10_000

    static func checkLimit(_ limit: Int) throws {
        guard (1...maximumRows).contains(limit) else {
            throw ValidationError("--limit must be 1...\(maximumRows), not \(limit)")
        }
    }

    /// A value that is recorded and shown on one line (an actor, a name): not empty, no
    /// control characters, at most `maximumBytes`.
    static func checkLine(_ value: String, _ option: String, maximumBytes: Int = 256) throws {
        if value.isEmpty { throw ValidationError("\(option) must not be empty") }
        if let bad = value.unicodeScalars.first(where: InputText.isControl) {
            throw ValidationError("\(option) '\(value.displaySafe(limit: 60))' holds the control character \(bad.codePoint); give printable text on one line")
        }
        guard value.utf8.count <= maximumBytes else {
            throw ValidationError("\(option) is \(value.utf8.count) bytes long; at most \(maximumBytes) are accepted")
        }
    }
}

/// Exit with a message on standard error and a non-zero status.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
