import Store

/// One operation held against its service target over a period: the audit's summary with
/// the operation's class and limit beside it, as `udtraek gateway targets` and
/// `GET /api/v1/gateway/targets` show it.
public struct OperationTargetReport: Encodable, Sendable, Equatable {
    public var operation: String
    public var service: String
    /// `simple`, `medium`, `complex` or `large`.
    public var serviceClass: String
    /// The class's limit: the whole answer, or for large responses the first byte.
    public var limitSeconds: Double
    public var calls: Int
    public var serverBreaches: Int
    public var clientBreaches: Int
    public var serverBreachShare: Double
    public var p50Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    enum CodingKeys: String, CodingKey {
        case operation, service, calls
        case serviceClass = "service_class"
        case limitSeconds = "limit_seconds"
        case serverBreaches = "server_breaches"
        case clientBreaches = "client_breaches"
        case serverBreachShare = "server_breach_share"
        case p50Ms = "p50_ms"
        case p99Ms = "p99_ms"
        case maxMs = "max_ms"
    }

    public static func reports(_ summaries: [GatewayServiceSummary], targets: ServiceTargets = ServiceTargets()) -> [OperationTargetReport] {
        summaries.map { s in
            let op = GatewayOperation.named(s.operation)
            return OperationTargetReport(
                operation: s.operation, service: s.service, serviceClass: op?.serviceClass.rawValue ?? "-",
                limitSeconds: op.map { targets.limit($0.serviceClass).seconds } ?? 0, calls: s.calls,
                serverBreaches: s.serverBreaches, clientBreaches: s.clientBreaches, serverBreachShare: s.serverBreachShare,
                p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs)
        }
    }
}
