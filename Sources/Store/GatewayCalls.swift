import BusinessCalendar
import Foundation
import GRDB

/// One call through the lookup gateway, as audited: who called, for which municipality
/// under which agreement, how it ended and how long it took. Never the person data.
public struct GatewayCall: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "gateway_call"
    public var id: Int64?
    public var at: Date
    public var requestID: String
    /// e.g. `cpr.person`, `cpr.population`.
    public var operation: String
    /// The calling system's name, once its certificate identified it.
    public var system: String?
    /// Subject or fingerprint of the client certificate, for calls from unknown certificates.
    public var certificate: String?
    public var municipality: String?
    public var agreementUUID: String?
    /// Service key.
    public var service: String?
    public var onBehalfOfUser: String?
    public var callersCallID: String?
    public var accountingInfo: String?
    public var status: Int
    /// One of `outcomes`.
    public var outcome: String
    public var durationMs: Double
    public var firstByteMs: Double?
    public var bytes: Int
    /// `server` or `client` when the call missed its service target.
    public var breach: String?

    public init(id: Int64? = nil, at: Date, requestID: String, operation: String, system: String? = nil,
                certificate: String? = nil, municipality: String? = nil, agreementUUID: String? = nil,
                service: String? = nil, onBehalfOfUser: String? = nil, callersCallID: String? = nil,
                accountingInfo: String? = nil, status: Int, outcome: String, durationMs: Double,
                firstByteMs: Double? = nil, bytes: Int, breach: String? = nil) {
        self.id = id
        self.at = at
        self.requestID = requestID
        self.operation = operation
        self.system = system
        self.certificate = certificate
        self.municipality = municipality
        self.agreementUUID = agreementUUID
        self.service = service
        self.onBehalfOfUser = onBehalfOfUser
        self.callersCallID = callersCallID
        self.accountingInfo = accountingInfo
        self.status = status
        self.outcome = outcome
        self.durationMs = durationMs
        self.firstByteMs = firstByteMs
        self.bytes = bytes
        self.breach = breach
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Every outcome a call is audited with, for the filters of `udtraek gateway calls`
    /// and the admin API.
    public static let outcomes = ["ok", "not-found", "bad-request", "forbidden", "too-many-calls", "timeout", "client-too-slow", "error"]

    enum CodingKeys: String, CodingKey {
        case id, at, operation, system, certificate, municipality, service, status, outcome, bytes, breach
        case requestID = "request_id"
        case agreementUUID = "agreement_uuid"
        case onBehalfOfUser = "on_behalf_of_user"
        case callersCallID = "callers_call_id"
        case accountingInfo = "accounting_info"
        case durationMs = "duration_ms"
        case firstByteMs = "first_byte_ms"
    }
}

extension Store {
    /// Writes a batch of call rows in one transaction: at thousands of calls a second a
    /// transaction per call would be the gateway's bottleneck.
    ///
    /// One prepared statement with positional arguments, and the time written by hand in
    /// GRDB's own format (`yyyy-MM-dd HH:mm:ss.SSS`, UTC): the record encoder and the date
    /// formatter cost more per row than SQLite's insert.
    public func recordGatewayCalls(_ calls: [GatewayCall]) throws {
        guard !calls.isEmpty else { return }
        try write("writing \(calls.count) gateway call rows") { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO gateway_call (at, request_id, operation, system, certificate, municipality, agreement_uuid,
                  service, on_behalf_of_user, callers_call_id, accounting_info, status, outcome, duration_ms,
                  first_byte_ms, bytes, breach)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for c in calls {
                insert.setUncheckedArguments([
                    DatabaseTimestamp.text(c.at), c.requestID, c.operation, c.system, c.certificate, c.municipality,
                    c.agreementUUID, c.service, c.onBehalfOfUser, c.callersCallID, c.accountingInfo, c.status,
                    c.outcome, c.durationMs, c.firstByteMs, c.bytes, c.breach,
                ])
                try insert.execute()
            }
        }
    }

    /// The most recent calls, newest first; optionally of one system, with one outcome, or
    /// only those that missed their service target.
    public func gatewayCalls(limit: Int = 100, system: String? = nil, outcome: String? = nil,
                             breachesOnly: Bool = false) throws -> [GatewayCall] {
        try read("reading gateway calls") { db in
            var request = GatewayCall.order(Column("id").desc).limit(limit)
            if let system { request = request.filter(Column("system") == system) }
            if let outcome { request = request.filter(Column("outcome") == outcome) }
            if breachesOnly { request = request.filter(Column("breach") != nil) }
            return try request.fetchAll(db)
        }
    }

    /// Per operation (each has one service class), the calls since `since` that reached
    /// the service (authorised), how many missed their target on each side, and the
    /// durations' median, 99th percentile and maximum: what an operator checks the
    /// platform's service targets against.
    public func gatewayServiceSummary(since: Date) throws -> [GatewayServiceSummary] {
        try read("summarising gateway calls") { db in
            let cutoff = DatabaseTimestamp.text(since)
            let rows = try Row.fetchAll(db, sql: """
                SELECT operation, service, COUNT(*) AS calls,
                       SUM(breach = 'server') AS server_breaches, SUM(breach = 'client') AS client_breaches,
                       MAX(duration_ms) AS max_ms
                FROM gateway_call WHERE at >= ? AND system IS NOT NULL AND service IS NOT NULL
                GROUP BY operation ORDER BY operation
                """, arguments: [cutoff])
            return try rows.map { row in
                let operation: String = row["operation"]
                let calls: Int = row["calls"]
                func percentile(_ p: Double) throws -> Double {
                    let offset = min(calls - 1, Int(Double(calls) * p))
                    return try Double.fetchOne(db, sql: """
                        SELECT duration_ms FROM gateway_call
                        WHERE at >= ? AND system IS NOT NULL AND service IS NOT NULL AND operation = ?
                        ORDER BY duration_ms LIMIT 1 OFFSET ?
                        """, arguments: [cutoff, operation, offset]) ?? 0
                }
                return GatewayServiceSummary(operation: operation, service: row["service"], calls: calls, serverBreaches: row["server_breaches"] ?? 0,
                                             clientBreaches: row["client_breaches"] ?? 0, p50Ms: try percentile(0.5),
                                             p99Ms: try percentile(0.99), maxMs: row["max_ms"] ?? 0)
            }
        }
    }

    /// Deletes call rows older than `before`, at most `batch` per transaction so the
    /// gateway's own batched writes never wait long for the lock; returns how many went.
    @discardableResult
    public func pruneGatewayCalls(before: Date, batch: Int = 20_000) throws -> Int {
        let cutoff = DatabaseTimestamp.text(before)
        var total = 0
        while true {
            let n = try write("removing gateway call rows from before \(cutoff)") { db -> Int in
                try db.execute(sql: """
                    DELETE FROM gateway_call WHERE id IN (SELECT id FROM gateway_call WHERE at < ? ORDER BY at LIMIT ?)
                    """, arguments: [cutoff, batch])
                return db.changesCount
            }
            total += n
            if n < batch { return total }
        }
    }
}

/// One operation's calls over a period, for `udtraek gateway targets`.
public struct GatewayServiceSummary: Codable, Sendable, Equatable {
    public var operation: String
    public var service: String
    public var calls: Int
    public var serverBreaches: Int
    public var clientBreaches: Int
    public var p50Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    /// Share of the calls that missed their target on the platform's side.
    public var serverBreachShare: Double { calls == 0 ? 0 : Double(serverBreaches) / Double(calls) }
}

/// Dates as GRDB stores them by default (`yyyy-MM-dd HH:mm:ss.SSS` in UTC), written
/// without a `DateFormatter`, for tables written thousands of times a second.
enum DatabaseTimestamp {
    static func text(_ date: Date) -> String {
        // The milliseconds exactly as GRDB's DateFormatter (ICU) rounds them: from the
        // reference-date interval, half a millisecond up, also before 1970.
        let ms = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let days = Int(ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000)
        let msOfDay = Int(ms - Int64(days) * 86_400_000)
        let civil = CivilDate(daysSinceEpoch: days)
        var out = [UInt8]()
        out.reserveCapacity(23)
        func put(_ v: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = v
            while divisor > 0 { out.append(UInt8(48 + rest / divisor)); rest %= divisor; divisor /= 10 }
        }
        put(civil.year, 4); out.append(45); put(civil.month, 2); out.append(45); put(civil.day, 2); out.append(32)
        put(msOfDay / 3_600_000, 2); out.append(58); put(msOfDay / 60_000 % 60, 2); out.append(58)
        put(msOfDay / 1000 % 60, 2); out.append(46); put(msOfDay % 1000, 3)
        return String(decoding: out, as: UTF8.self)
    }
}
