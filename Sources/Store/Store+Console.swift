import BusinessCalendar
import Foundation
import GRDB

/// Counts for the operator console's overview (README "The operator console").
public struct DeliveryDayCounts: Sendable, Equatable {
    public var delivered: Int
    public var failed: Int

    public init(delivered: Int, failed: Int) {
        self.delivered = delivered
        self.failed = failed
    }
}

/// A system's files awaiting pickup, counted, with the oldest one's times.
public struct WaitingFiles: Sendable, Equatable {
    public var count: Int
    public var overdue: Int
    public var warning: Int
    public var oldestDeliveredAt: Date
    public var oldestDeadline: Date?
    public var oldestExpiresAt: Date

    public init(count: Int, overdue: Int, warning: Int, oldestDeliveredAt: Date, oldestDeadline: Date?, oldestExpiresAt: Date) {
        self.count = count
        self.overdue = overdue
        self.warning = warning
        self.oldestDeliveredAt = oldestDeliveredAt
        self.oldestDeadline = oldestDeadline
        self.oldestExpiresAt = oldestExpiresAt
    }
}

/// A system's open alarms by severity.
public struct OpenAlarmCounts: Sendable, Equatable {
    public var critical: Int
    public var warning: Int

    public init(critical: Int, warning: Int) {
        self.critical = critical
        self.warning = warning
    }
}

/// What the console's overview shows of every system, counted in SQL in one read
/// transaction: three grouped queries for the whole platform rather than three per system
/// and rows decoded per file, so an operator's overview of thousands of systems stays a
/// short read.
public struct SystemActivity: Sendable {
    public var waiting: [String: WaitingFiles] = [:]
    /// Alarms about no system are left out.
    public var openAlarms: [String: OpenAlarmCounts] = [:]
    /// Delivery attempts started since the given instant that were delivered or failed
    /// (attempts still running are in neither).
    public var deliveries: [String: DeliveryDayCounts] = [:]
}

extension Store {
    public func systemActivity(deliveriesSince since: Date) throws -> SystemActivity {
        try read("reading the systems' activity") { db in
            var activity = SystemActivity()
            // SQLite takes the bare columns (deadline, expires_at) from the row MIN() picked.
            for row in try Row.fetchAll(db, sql: """
                SELECT system, COUNT(*) AS n, SUM(state = 'overdue') AS overdue, SUM(state = 'warning') AS warning,
                       MIN(delivered_at) AS oldest, deadline, expires_at
                FROM pickup WHERE state IN ('awaiting', 'warning', 'overdue') GROUP BY system
                """) {
                guard let oldest: Date = row["oldest"], let expires: Date = row["expires_at"] else { continue }
                activity.waiting[row["system"]] = WaitingFiles(count: row["n"], overdue: row["overdue"] ?? 0, warning: row["warning"] ?? 0,
                                                               oldestDeliveredAt: oldest, oldestDeadline: row["deadline"], oldestExpiresAt: expires)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT system, SUM(severity = 'critical') AS critical, SUM(severity = 'warning') AS warning
                FROM alarm WHERE resolved_at IS NULL AND system IS NOT NULL GROUP BY system
                """) {
                activity.openAlarms[row["system"]] = OpenAlarmCounts(critical: row["critical"] ?? 0, warning: row["warning"] ?? 0)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT system, SUM(outcome = 'delivered') AS delivered, SUM(outcome = 'failed') AS failed
                FROM delivery WHERE started_at >= ? GROUP BY system
                """, arguments: [DatabaseTimestamp.text(since)]) {
                activity.deliveries[row["system"]] = DeliveryDayCounts(delivered: row["delivered"] ?? 0, failed: row["failed"] ?? 0)
            }
            return activity
        }
    }
}

/// Which files the console's pickups list shows.
public struct PickupFilter: Sendable, Equatable {
    /// Only these systems (the ones the caller can see); nil: every system.
    public var systems: [String]?
    public var states: [PickupState]?
    /// Delivered at or after / before.
    public var deliveredFrom: Date?
    public var deliveredBefore: Date?
    public var limit: Int

    public init(systems: [String]? = nil, states: [PickupState]? = nil, deliveredFrom: Date? = nil, deliveredBefore: Date? = nil,
                limit: Int = 200) {
        self.systems = systems
        self.states = states
        self.deliveredFrom = deliveredFrom
        self.deliveredBefore = deliveredBefore
        self.limit = limit
    }
}

/// One UTC hour of deliveries (the console groups the hours into Copenhagen days).
public struct DeliveryHour: Sendable, Equatable {
    /// The hour's start, UTC.
    public var hour: Date
    public var delivered: Int
    public var failed: Int
    public var bytes: Int64
}

/// One UTC hour of one gateway operation's authorised calls.
public struct GatewayHour: Sendable, Equatable {
    public var hour: Date
    public var operation: String
    public var calls: Int
    /// The 99th percentile of the durations, as `gatewayServiceSummary` computes it.
    public var p99Ms: Double
}

extension Store {
    public func delivery(id: Int64) throws -> DeliveryRecord? {
        try read("reading delivery \(id)") { db in try DeliveryRecord.fetchOne(db, key: id) }
    }

    /// Files by the filter, newest delivery first.
    public func pickups(_ filter: PickupFilter) throws -> [PickupRecord] {
        try read("reading pickups") { db in
            var request = PickupRecord.order(Column("delivered_at").desc, Column("id").desc).limit(filter.limit)
            if let systems = filter.systems { request = request.filter(systems.contains(Column("system"))) }
            if let states = filter.states { request = request.filter(states.map(\.rawValue).contains(Column("state"))) }
            if let from = filter.deliveredFrom { request = request.filter(Column("delivered_at") >= from) }
            if let before = filter.deliveredBefore { request = request.filter(Column("delivered_at") < before) }
            return try request.fetchAll(db)
        }
    }

    /// Deliveries started since `since`, per UTC hour; of `systems` only, when given.
    public func deliveryHours(since: Date, systems: [String]? = nil) throws -> [DeliveryHour] {
        try read("counting deliveries per hour") { db in
            var sql = """
                SELECT substr(started_at, 1, 13) AS hour, SUM(outcome = 'delivered') AS delivered, SUM(outcome = 'failed') AS failed,
                       SUM(CASE WHEN outcome = 'delivered' THEN bytes ELSE 0 END) AS bytes
                FROM delivery WHERE started_at >= ?
                """
            var arguments: StatementArguments = [DatabaseTimestamp.text(since)]
            if let systems {
                sql += " AND system IN (\(databaseQuestionMarks(count: max(systems.count, 1))))"
                arguments += StatementArguments(systems.isEmpty ? [""] : systems)
            }
            sql += " GROUP BY hour ORDER BY hour"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                guard let hour = Self.utcHour(row["hour"]) else { return nil }
                return DeliveryHour(hour: hour, delivered: row["delivered"] ?? 0, failed: row["failed"] ?? 0, bytes: row["bytes"] ?? 0)
            }
        }
    }

    /// Per UTC hour and operation since `since`, the authorised calls' count and 99th
    /// percentile (the same rank as `gatewayServiceSummary`), in one pass with window functions.
    public func gatewayHours(since: Date) throws -> [GatewayHour] {
        try read("summarising gateway calls per hour") { db in
            try Row.fetchAll(db, sql: """
                SELECT hour, operation, n, duration_ms FROM (
                    SELECT substr(at, 1, 13) AS hour, operation, duration_ms,
                           ROW_NUMBER() OVER (PARTITION BY substr(at, 1, 13), operation ORDER BY duration_ms) AS rank,
                           COUNT(*) OVER (PARTITION BY substr(at, 1, 13), operation) AS n
                    FROM gateway_call WHERE at >= ? AND system IS NOT NULL AND service IS NOT NULL)
                WHERE rank = MIN(n, CAST(n * 0.99 AS INTEGER) + 1)
                ORDER BY hour, operation
                """, arguments: [DatabaseTimestamp.text(since)]).compactMap { row in
                guard let hour = Self.utcHour(row["hour"]) else { return nil }
                return GatewayHour(hour: hour, operation: row["operation"], calls: row["n"], p99Ms: row["duration_ms"])
            }
        }
    }

    /// `2026-11-23 06` (the stored timestamps' first 13 characters) as that hour's start, UTC.
    static func utcHour(_ text: String?) -> Date? {
        guard let text, text.utf8.count == 13, let date = CivilDate(iso: String(text.prefix(10))),
              let hour = Int(text.suffix(2)), (0..<24).contains(hour) else { return nil }
        return Date(timeIntervalSince1970: Double(date.daysSinceEpoch * 86_400 + hour * 3600))
    }
}
