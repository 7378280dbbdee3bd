import Foundation
import GRDB

/// What a CPR subscription follows: persons by PNR, a municipality's residents (including
/// those who move in), or persons with an event of a CPR change code.
public enum SubscriptionFilterKind: String, Codable, Sendable, CaseIterable {
    case pnr
    case municipality
    case changeCode = "change-code"
}

/// One filter value of one subscription (a `cpr-subscription` agreement).
public struct SubscriptionFilter: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "subscription_filter"
    public var agreement: String
    public var system: String
    public var kind: SubscriptionFilterKind
    /// Ten digits, four digits or a change code such as `A05`, by kind.
    public var value: String
    public var addedAt: Date
    /// Who added it: the calling system and the user it acted for, or an operator.
    public var addedBy: String

    public init(agreement: String, system: String, kind: SubscriptionFilterKind, value: String, addedAt: Date, addedBy: String) {
        self.agreement = agreement
        self.system = system
        self.kind = kind
        self.value = value
        self.addedAt = addedAt
        self.addedBy = addedBy
    }

    enum CodingKeys: String, CodingKey {
        case agreement, system, kind, value
        case addedAt = "added_at"
        case addedBy = "added_by"
    }
}

/// Every filter of one subscription, by kind, sorted.
public struct SubscriptionFilterSet: Sendable, Equatable {
    public var pnrs: [String] = []
    public var municipalities: [String] = []
    public var changeCodes: [String] = []

    public init(pnrs: [String] = [], municipalities: [String] = [], changeCodes: [String] = []) {
        self.pnrs = pnrs
        self.municipalities = municipalities
        self.changeCodes = changeCodes
    }

    public var isEmpty: Bool { pnrs.isEmpty && municipalities.isEmpty && changeCodes.isEmpty }
}

/// One subscription as lists show it: its agreement and how much it follows.
public struct SubscriptionSummary: Sendable, Equatable, Encodable {
    public var agreement: String
    public var system: String
    public var municipality: String
    public var state: String
    public var pnrs: Int
    public var municipalities: Int
    public var changeCodes: Int

    enum CodingKeys: String, CodingKey {
        case agreement, system, municipality, state, pnrs, municipalities
        case changeCodes = "change_codes"
    }
}

/// Who changed a subscription and for whom, for the audit log: the calling system, the
/// user it acted on behalf of, and the caller's own call id (the invocation context), or
/// an operator's name.
public struct SubscriptionActor: Sendable, Equatable {
    public var name: String
    public var detail: String

    public init(name: String, detail: String) {
        self.name = name
        self.detail = detail
    }
}

extension Store {
    /// Adds one filter value, audited in the same transaction. False, writing nothing,
    /// when the subscription already follows it.
    public func addSubscriptionFilter(agreement: String, system: String, kind: SubscriptionFilterKind, value: String,
                                      at: Date, actor: SubscriptionActor) throws -> Bool {
        try write("adding a \(kind.rawValue) filter to subscription \(agreement)") { db in
            let key: [String: any DatabaseValueConvertible] = ["agreement": agreement, "kind": kind.rawValue, "value": value]
            guard try !SubscriptionFilter.exists(db, key: key) else { return false }
            try SubscriptionFilter(agreement: agreement, system: system, kind: kind, value: value, addedAt: at, addedBy: actor.name).insert(db)
            var entry = AuditEntry(at: at, actor: actor.name, action: "subscription.add", subject: agreement,
                                   detail: "\(kind.rawValue) \(value); \(actor.detail)")
            try entry.insert(db)
            return true
        }
    }

    /// Removes one filter value, audited in the same transaction. False, writing nothing,
    /// when the subscription did not follow it.
    public func removeSubscriptionFilter(agreement: String, kind: SubscriptionFilterKind, value: String,
                                         at: Date, actor: SubscriptionActor) throws -> Bool {
        try write("removing a \(kind.rawValue) filter from subscription \(agreement)") { db in
            let key: [String: any DatabaseValueConvertible] = ["agreement": agreement, "kind": kind.rawValue, "value": value]
            guard try SubscriptionFilter.deleteOne(db, key: key) else { return false }
            var entry = AuditEntry(at: at, actor: actor.name, action: "subscription.remove", subject: agreement,
                                   detail: "\(kind.rawValue) \(value); \(actor.detail)")
            try entry.insert(db)
            return true
        }
    }

    /// Makes the subscription's PNRs exactly `wanted` in one transaction: adds what is
    /// missing, removes what is not wanted, one audit row for the whole reconciliation.
    /// Returns what was added and removed, sorted.
    public func reconcileSubscriptionPNRs(agreement: String, system: String, wanted: Set<String>, at: Date,
                                          actor: SubscriptionActor) throws -> (added: [String], removed: [String]) {
        try write("reconciling the PNRs of subscription \(agreement)") { db in
            let have = Set(try String.fetchAll(db, sql: "SELECT value FROM subscription_filter WHERE agreement = ? AND kind = 'pnr'",
                                               arguments: [agreement]))
            let added = wanted.subtracting(have).sorted()
            let removed = have.subtracting(wanted).sorted()
            for pnr in added {
                try SubscriptionFilter(agreement: agreement, system: system, kind: .pnr, value: pnr, addedAt: at, addedBy: actor.name).insert(db)
            }
            for chunk in stride(from: 0, to: removed.count, by: 500) {
                let part = Array(removed[chunk..<min(chunk + 500, removed.count)])
                try db.execute(sql: "DELETE FROM subscription_filter WHERE agreement = ? AND kind = 'pnr' AND value IN (\(part.map { _ in "?" }.joined(separator: ",")))",
                               arguments: StatementArguments([agreement] + part))
            }
            if !added.isEmpty || !removed.isEmpty {
                var entry = AuditEntry(at: at, actor: actor.name, action: "subscription.reconcile", subject: agreement,
                                       detail: "\(added.count) PNR(s) added, \(removed.count) removed, \(wanted.count) followed; \(actor.detail)")
                try entry.insert(db)
            }
            return (added, removed)
        }
    }

    /// Every filter of a subscription, by kind.
    public func subscriptionFilters(agreement: String) throws -> SubscriptionFilterSet {
        try read("reading the filters of subscription \(agreement)") { db in
            var set = SubscriptionFilterSet()
            let rows = try Row.fetchCursor(db, sql: "SELECT kind, value FROM subscription_filter WHERE agreement = ? ORDER BY kind, value",
                                           arguments: [agreement])
            while let row = try rows.next() {
                let value: String = row["value"]
                switch SubscriptionFilterKind(rawValue: row["kind"]) {
                case .pnr: set.pnrs.append(value)
                case .municipality: set.municipalities.append(value)
                case .changeCode: set.changeCodes.append(value)
                case nil: continue
                }
            }
            return set
        }
    }

    /// One page of a subscription's filters of one kind, sorted, and how many there are.
    public func subscriptionFilters(agreement: String, kind: SubscriptionFilterKind, offset: Int, limit: Int) throws -> (values: [String], total: Int) {
        try read("reading the filters of subscription \(agreement)") { db in
            let values = try String.fetchAll(db, sql: """
                SELECT value FROM subscription_filter WHERE agreement = ? AND kind = ? ORDER BY value LIMIT ? OFFSET ?
                """, arguments: [agreement, kind.rawValue, limit, offset])
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subscription_filter WHERE agreement = ? AND kind = ?",
                                         arguments: [agreement, kind.rawValue]) ?? 0
            return (values, total)
        }
    }

    /// Every `cpr-subscription` agreement (of one system when given) with its filter counts.
    public func subscriptions(system: String? = nil) throws -> [SubscriptionSummary] {
        try read("reading subscriptions") { db in
            var sql = """
                SELECT a.uuid, a.system, a.municipality, a.state,
                       COALESCE(SUM(f.kind = 'pnr'), 0) AS pnrs,
                       COALESCE(SUM(f.kind = 'municipality'), 0) AS municipalities,
                       COALESCE(SUM(f.kind = 'change-code'), 0) AS codes
                FROM service_agreement a LEFT JOIN subscription_filter f ON f.agreement = a.uuid
                WHERE a.service = 'cpr-subscription'
                """
            var arguments: StatementArguments = []
            if let system {
                sql += " AND a.system = ?"
                arguments += [system]
            }
            sql += " GROUP BY a.uuid ORDER BY a.system, a.municipality, a.uuid"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { r in
                SubscriptionSummary(agreement: r["uuid"], system: r["system"], municipality: r["municipality"], state: r["state"],
                                    pnrs: r["pnrs"], municipalities: r["municipalities"], changeCodes: r["codes"])
            }
        }
    }
}
