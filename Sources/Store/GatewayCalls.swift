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
    /// `ok`, `not-found`, `bad-request`, `forbidden`, `too-many-calls`, `timeout`, `client-too-slow`, `error`.
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
    public func recordGatewayCalls(_ calls: [GatewayCall]) throws {
        guard !calls.isEmpty else { return }
        try write("writing \(calls.count) gateway call rows") { db in
            for call in calls {
                var row = call
                try row.insert(db)
            }
        }
    }

    /// The most recent calls, newest first.
    public func gatewayCalls(limit: Int = 100, system: String? = nil) throws -> [GatewayCall] {
        try read("reading gateway calls") { db in
            var request = GatewayCall.order(Column("id").desc).limit(limit)
            if let system { request = request.filter(Column("system") == system) }
            return try request.fetchAll(db)
        }
    }
}
