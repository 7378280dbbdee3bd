import Foundation
import Store

/// The console's pictures: what the store counts, grouped into Copenhagen days or hours and
/// handed to `BarChart`. Pure apart from the calendar.
enum ConsoleTrends {
    static var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = Console.copenhagen
        return c
    }

    /// The starts of the last `count` Copenhagen days, the oldest first, today last.
    static func days(_ count: Int, endingAt now: Date) -> [Date] {
        let c = calendar
        let today = c.startOfDay(for: now)
        return (0..<count).reversed().compactMap { c.date(byAdding: .day, value: -$0, to: today) }
    }

    static func dayLabel(_ day: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = Console.copenhagen
        f.dateFormat = "dd/MM"
        return f.string(from: day)
    }

    /// The index of the day (of `days`) that holds `instant`, if any.
    static func dayIndex(_ instant: Date, in days: [Date]) -> Int? {
        guard let first = days.first, instant >= first else { return nil }
        return days.lastIndex { $0 <= instant }
    }

    /// Files delivered and deliveries failed per day over the last 30 days.
    static func throughput(_ hours: [DeliveryHour], now: Date) -> BarChart {
        let days = days(30, endingAt: now)
        var delivered = [Double](repeating: 0, count: days.count), failed = delivered
        for h in hours {
            guard let i = dayIndex(h.hour, in: days) else { continue }
            delivered[i] += Double(h.delivered)
            failed[i] += Double(h.failed)
        }
        return BarChart(caption: "Deliveries per day, last 30 days (Copenhagen days)", labels: days.map(dayLabel),
                        series: [.init(name: "files delivered", colour: "#12324a", values: delivered),
                                 .init(name: "deliveries failed", colour: "#b35900", values: failed)],
                        format: BarChart.count)
    }

    /// Per day over the last 30 days, the longest a file delivered that day took to be
    /// collected (or has waited so far) beside the time its rule allowed; a day whose
    /// longest wait passed its allowance is drawn red.
    static func pickupDelay(_ files: [PickupRecord], now: Date) -> BarChart {
        let days = days(30, endingAt: now)
        var waited = [Double?](repeating: nil, count: days.count), allowed = waited
        for f in files {
            guard let i = dayIndex(f.deliveredAt, in: days) else { continue }
            let end = f.collectedAt ?? (f.state.isFinal ? f.removedAt ?? f.updatedAt : now)
            let wait = max(0, end.timeIntervalSince(f.deliveredAt)) / 3600
            waited[i] = max(waited[i] ?? 0, wait)
            if let deadline = f.deadline {
                allowed[i] = max(allowed[i] ?? 0, deadline.timeIntervalSince(f.deliveredAt) / 3600)
            }
        }
        // A bar is red when that day's longest wait is past that day's allowance.
        let over = zip(waited, allowed).map { w, a in (w ?? 0) > (a ?? .infinity) }
        return BarChart(caption: "Longest time to pickup per delivery day, last 30 days, against the deadline",
                        labels: days.map(dayLabel),
                        series: [.init(name: "longest time to pickup", colour: "#12324a",
                                       values: zip(waited, over).map { w, o in o ? nil : w }),
                                 .init(name: "past its deadline", colour: "#8b0000", values: zip(waited, over).map { w, o in o ? w : nil }),
                                 .init(name: "time allowed by the rule", colour: "#6b8e23", values: allowed)],
                        format: BarChart.hours)
    }

    /// Per service class with calls in the last 24 hours, the hourly 99th percentile (the
    /// worst of the class's operations) against the class's limit. Large responses are held
    /// to a first byte and a rate, not a duration, and are left to the targets table.
    static func gatewayP99(_ hours: [GatewayHour], now: Date, targets: ServiceTargets = ServiceTargets()) -> [BarChart] {
        let c = calendar
        guard let end = c.dateInterval(of: .hour, for: now)?.start else { return [] }
        let starts = (0..<24).reversed().compactMap { c.date(byAdding: .hour, value: -$0, to: end) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = Console.copenhagen
        f.dateFormat = "HH"
        return [ServiceClass.simple, .medium, .complex].compactMap { serviceClass -> BarChart? in
            let ofClass = hours.filter { GatewayOperation.named($0.operation)?.serviceClass == serviceClass }
            guard !ofClass.isEmpty else { return nil }
            var p99 = [Double?](repeating: nil, count: starts.count)
            for h in ofClass {
                guard let i = starts.firstIndex(where: { abs($0.timeIntervalSince(h.hour)) < 1 }) else { continue }
                p99[i] = max(p99[i] ?? 0, h.p99Ms)
            }
            let limit = Double(targets.limit(serviceClass).components.seconds) * 1000
                + Double(targets.limit(serviceClass).components.attoseconds) / 1e15
            return BarChart(caption: "Gateway p99 per hour, \(serviceClass.rawValue) class (\(ofClass.map(\.operation).uniqued().joined(separator: ", "))), last 24 hours",
                            labels: starts.map { f.string(from: $0) + ":00" },
                            series: [.init(name: "p99", colour: "#12324a", values: p99)],
                            limit: ("\(serviceClass.rawValue) limit", limit), format: BarChart.milliseconds)
        }
    }
}

fileprivate extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
