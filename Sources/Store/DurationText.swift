import Foundation

/// The spelling of durations and deadlines that operators write (`90s`, `15m`, `4h`, `14d`,
/// `1h30m`; `08:00 next business day`), both ways: export writes what `parse` reads.
///
/// It lives beside the records that hold the values (`PickupRule`, `WallClockDeadline`) so
/// that the configuration file, change orders (CLI and API) and the CLI's listings read and
/// write one spelling without depending on each other.
public enum DurationText {
    static let units: [(Character, Int)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]

    /// The longest duration anything accepts: 10 years (3650 days). Every setting has a
    /// narrower range of its own (retention at most 365d, a key overlap 90d); this bound is
    /// for the parser, so that a number of any size is refused by name instead of
    /// overflowing, and so that every accepted value still fits in date and `Duration`
    /// arithmetic (10 years in nanoseconds is 3.2e17, well inside Int64).
    public static let maximumSeconds = 3650 * 86_400

    /// Why a text is not a duration.
    public enum Problem: Error, Sendable, Equatable {
        /// Not written as whole numbers with units (`90`, `1x`, `-5m`, empty).
        case notADuration
        /// Written correctly, but longer than `maximumSeconds`.
        case tooLong
    }

    /// The duration in whole seconds, or why it is not one. Arithmetic is checked: a number
    /// of any length is `tooLong`, never a trap.
    public static func seconds(_ text: String) -> Result<Int, Problem> {
        var total = 0, number = 0, digits = 0, sawUnit = false, tooLong = false
        for ch in text.trimmingCharacters(in: .whitespaces) {
            if let digit = ch.asciiDigit {
                digits += 1
                let (times10, o1) = number.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(digit)
                if o1 || o2 || next > maximumSeconds { tooLong = true } else { number = next }
                continue
            }
            guard let unit = units.first(where: { $0.0 == ch }), digits > 0 else { return .failure(.notADuration) }
            let (part, o1) = number.multipliedReportingOverflow(by: unit.1)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 || sum > maximumSeconds { tooLong = true } else { total = sum }
            number = 0
            digits = 0
            sawUnit = true
        }
        guard digits == 0, sawUnit else { return .failure(.notADuration) }
        return tooLong ? .failure(.tooLong) : .success(total)
    }

    /// The duration in whole seconds, or nil when it is not one or is too long.
    public static func parse(_ text: String) -> Int? {
        try? seconds(text).get()
    }

    /// What is wrong with `text` as a duration for `what` (a key or option name), in the
    /// operator's terms; nil when it is a duration inside `range`.
    public static func problem(_ text: String, _ what: String, in range: ClosedRange<Int>) -> String? {
        switch seconds(text) {
        case .failure(.notADuration):
            return "\(what) '\(text.displaySafe(limit: 40))' is not a duration like 90s, 15m, 4h, 14d or 1h30m"
        case .failure(.tooLong):
            return "\(what) '\(text.displaySafe(limit: 40))' is longer than \(format(maximumSeconds)) (10 years), the longest duration udtraek accepts; the range here is \(format(range.lowerBound))...\(format(range.upperBound))"
        case .success(let s) where !range.contains(s):
            return "\(what) '\(text.displaySafe(limit: 40))' is outside \(format(range.lowerBound))...\(format(range.upperBound))"
        case .success:
            return nil
        }
    }

    public static func format(_ seconds: Int) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds, out = ""
        for (unit, size) in units where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// `HH:MM next business day`, `HH:MM same business day` or `HH:MM +N business days`
    /// (N 1...30); nil for anything else.
    public static func parseDeadline(_ text: String) -> WallClockDeadline? {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let hm = parts[0].split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, (1...2).contains(hm[0].count), hm[1].count == 2,
              hm.allSatisfy({ $0.allSatisfy { $0.asciiDigit != nil } }),
              let h = Int(hm[0]), let m = Int(hm[1]), (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        let when = parts[1].lowercased()
        let days: Int
        if when == "next business day" { days = 1 } else if when == "same business day" { days = 0 } else if when.hasPrefix("+") {
            let words = when.dropFirst().split(separator: " ")
            guard words.count == 3, words[0].count <= 2, words[0].allSatisfy({ $0.asciiDigit != nil }),
                  let n = Int(words[0]), (1...30).contains(n), words[1] == "business",
                  words[2] == "days" || words[2] == "day" else { return nil }
            days = n
        } else { return nil }
        return WallClockDeadline(hour: h, minute: m, businessDaysAfter: days)
    }

    public static func formatDeadline(_ d: WallClockDeadline) -> String {
        let time = (d.hour < 10 ? "0" : "") + "\(d.hour):" + (d.minute < 10 ? "0" : "") + "\(d.minute)"
        switch d.businessDaysAfter {
        case 0: return "\(time) same business day"
        case 1: return "\(time) next business day"
        default: return "\(time) +\(d.businessDaysAfter) business days"
        }
    }
}

extension Character {
    /// 0-9 for the ASCII digits only (`Character.isNumber` also takes "٣" and "½").
    var asciiDigit: Int? {
        guard let a = asciiValue, a >= 0x30, a <= 0x39 else { return nil }
        return Int(a - 0x30)
    }
}
