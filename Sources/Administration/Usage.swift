import Foundation
import Store

/// A municipality's use in a month against its ceiling (forbrugsloft).
public struct CeilingStatus: Encodable, Sendable, Equatable {
    public var municipality: String
    public var lookups: Int
    public var ceilingLookups: Int?
    public var extractBytes: Int64
    public var ceilingBytes: Int64?

    public var exceeded: Bool {
        (ceilingLookups.map { lookups > $0 } ?? false) || (ceilingBytes.map { extractBytes > $0 } ?? false)
    }

    enum CodingKeys: String, CodingKey {
        case municipality, lookups, exceeded
        case ceilingLookups = "ceiling_lookups"
        case extractBytes = "extract_bytes"
        case ceilingBytes = "ceiling_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(municipality, forKey: .municipality)
        try c.encode(lookups, forKey: .lookups)
        try c.encode(ceilingLookups, forKey: .ceilingLookups)
        try c.encode(extractBytes, forKey: .extractBytes)
        try c.encode(ceilingBytes, forKey: .ceilingBytes)
        try c.encode(exceeded, forKey: .exceeded)
    }
}

/// "Se forbrug": one month's use per agreement the principal sees, and the ceilings of the
/// municipalities among them.
public struct UsageReport: Encodable, Sendable, Equatable {
    public var month: String
    public var usage: [AgreementUsage]
    public var ceilings: [CeilingStatus]
}

/// A calendar month in Copenhagen time, as `YYYY-MM`, and the instants it starts and ends.
public struct UsageMonth: Sendable, Equatable {
    public var text: String
    public var start: Date
    public var end: Date

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Copenhagen") ?? .gmt
        return calendar
    }()

    /// The month `text` names (`2026-12`), or nil when it names none.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 4, parts[1].utf8.count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (2000...2999).contains(year), (1...12).contains(month),
              let start = Self.calendar.date(from: DateComponents(year: year, month: month, day: 1)),
              let end = Self.calendar.date(byAdding: .month, value: 1, to: start) else { return nil }
        self.text = text
        self.start = start
        self.end = end
    }

    /// The month `date` falls in.
    public init(containing date: Date) {
        let c = Self.calendar.dateComponents([.year, .month], from: date)
        text = String(format: "%04d-%02d", c.year ?? 2000, c.month ?? 1)
        start = Self.calendar.date(from: DateComponents(year: c.year, month: c.month, day: 1)) ?? date
        end = Self.calendar.date(byAdding: .month, value: 1, to: start) ?? start.addingTimeInterval(31 * 86_400)
    }
}

extension AdministrationDesk {
    public func usage(_ p: Principal, month: String?, agreement: String? = nil, municipality: String? = nil) throws -> UsageReport {
        guard let period = month.map({ UsageMonth($0) }) ?? UsageMonth(containing: clock.date) else {
            throw AdministrationError(.invalid, "invalid-month", "month '\(month?.displaySafe(limit: 20) ?? "")' is not a month written YYYY-MM")
        }
        let snapshot = try store.configuration()
        let owners = Ownership(snapshot)
        let seen = snapshot.agreements.filter { a in
            (agreement.map { a.uuid == $0 } ?? true) && (municipality.map { a.municipality == $0 } ?? true)
                && Access.decide(p, .readUsage, on: owners.scope(of: a)) == .allowed
        }
        if let agreement, seen.isEmpty { throw AdministrationError.notFound("agreement", agreement) }
        let rows = try store.usage(month: period.text, start: period.start, end: period.end, agreements: seen)
        let organisations = try store.organisations()
        let ceilings = Set(rows.map(\.municipality)).sorted().compactMap { code -> CeilingStatus? in
            guard let org = organisations.first(where: { $0.municipality == code }),
                  org.ceilingLookups != nil || org.ceilingBytes != nil,
                  Access.sees(p, Scope(municipalities: [code], organisation: org.id)) else { return nil }
            let mine = rows.filter { $0.municipality == code }
            return CeilingStatus(municipality: code, lookups: mine.map(\.lookups).reduce(0, +), ceilingLookups: org.ceilingLookups,
                                 extractBytes: mine.map(\.extractBytes).reduce(0, +), ceilingBytes: org.ceilingBytes)
        }
        return UsageReport(month: period.text, usage: rows, ceilings: ceilings)
    }

    /// Tells each municipality over its ceiling this month, once a month. It never
    /// blocks: the ceiling is for the municipality's budget, not the platform's gate.
    @discardableResult
    public func noticeExceededCeilings() throws -> [Notice] {
        let period = UsageMonth(containing: clock.date)
        let organisations = try store.organisations().filter { $0.kind == .municipality && ($0.ceilingLookups != nil || $0.ceilingBytes != nil) }
        guard !organisations.isEmpty else { return [] }
        let snapshot = try store.configuration()
        var queued: [Notice] = []
        for org in organisations {
            guard let code = org.municipality else { continue }
            let rows = try store.usage(month: period.text, start: period.start, end: period.end,
                                       agreements: snapshot.agreements.filter { $0.municipality == code })
            let status = CeilingStatus(municipality: code, lookups: rows.map(\.lookups).reduce(0, +), ceilingLookups: org.ceilingLookups,
                                       extractBytes: rows.map(\.extractBytes).reduce(0, +), ceilingBytes: org.ceilingBytes)
            guard status.exceeded else { continue }
            let notice = Notice(at: clock.date, organisation: org.id, address: org.noticeAddress, kind: "usage.ceiling",
                                subject: "Usage ceiling exceeded in \(period.text): municipality \(code)",
                                body: "Lookups \(status.lookups) (ceiling \(status.ceilingLookups.map(String.init) ?? "none")), extract bytes \(status.extractBytes) (ceiling \(status.ceilingBytes.map(String.init) ?? "none")). Nothing is blocked; this is a notice.")
            if try store.queueNoticeOnce(notice, record: AdministrativeRecord(audit: [
                AuditEntry(at: clock.date, actor: "platform", action: "usage.ceiling", subject: org.id, detail: notice.subject),
            ])) { queued.append(notice) }
        }
        return queued
    }
}
