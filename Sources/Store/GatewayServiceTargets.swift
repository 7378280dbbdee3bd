/// The lookup gateway's operations and the service targets they are held to, with the
/// report that sets the audit's figures beside them. Here, beside the audit rows and the
/// service catalogue, rather than in the `Gateway` module: the CLI and the admin API show
/// the report without linking the HTTP server, its TLS stack and its certificate parser.

/// The platform's response-time classes (operating terms, "Service targets").
public enum ServiceClass: String, Sendable, CaseIterable {
    case simple, medium, complex, large
}

/// The limits each class is held to. Injectable so tests can make them tiny; the defaults
/// are the platform's: simple 1.0 s, medium 1.5 s, complex 4.0 s, large responses first
/// byte within 15 s and then at least 200 kB/s ("kb/sek" read as kilobytes, the stricter
/// reading).
public struct ServiceTargets: Sendable, Equatable {
    public var simple: Duration
    public var medium: Duration
    public var complex: Duration
    /// Time to the first byte of a large response.
    public var largeFirstByte: Duration
    /// Minimum transfer rate of a large response, bytes per second.
    public var largeMinimumRate: Double

    public init(simple: Duration = .seconds(1), medium: Duration = .milliseconds(1500),
                complex: Duration = .seconds(4), largeFirstByte: Duration = .seconds(15),
                largeMinimumRate: Double = 200_000) {
        self.simple = simple
        self.medium = medium
        self.complex = complex
        self.largeFirstByte = largeFirstByte
        self.largeMinimumRate = largeMinimumRate
    }

    /// The time a call of `serviceClass` has to produce its answer (for large: its first byte).
    public func limit(_ serviceClass: ServiceClass) -> Duration {
        switch serviceClass {
        case .simple: simple
        case .medium: medium
        case .complex: complex
        case .large: largeFirstByte
        }
    }
}

/// One HTTP operation of the gateway: which service's agreement it needs and which
/// service-target class it is held to.
public struct GatewayOperation: Sendable {
    /// For the audit log and metrics, e.g. `cpr.person`.
    public let name: String
    public let service: PlatformService
    public let serviceClass: ServiceClass

    init(_ name: String, service key: String, _ serviceClass: ServiceClass) {
        self.name = name
        // The catalogue is fixed at compile time; a missing key is a programming error.
        self.service = ServiceCatalog.service(key: key)!
        self.serviceClass = serviceClass
    }

    public static let cprPerson = GatewayOperation("cpr.person", service: "cpr-lookup", .simple)
    public static let cprSearch = GatewayOperation("cpr.search", service: "cpr-lookup", .medium)
    public static let cprPopulation = GatewayOperation("cpr.population", service: "cpr-population", .large)
    public static let kleNode = GatewayOperation("kle.node", service: "kle-lookup", .simple)
    public static let kleSubtree = GatewayOperation("kle.subtree", service: "kle-lookup", .medium)
    public static let klePlan = GatewayOperation("kle.plan", service: "kle-plan", .large)

    /// Adding or removing one subscription filter (REST or SOAP).
    public static let subscriptionChange = GatewayOperation("cpr.subscription.change", service: "cpr-subscription", .simple)
    /// `GetAllFilters`, a page at a time.
    public static let subscriptionFilters = GatewayOperation("cpr.subscription.filters", service: "cpr-subscription", .medium)

    /// Every operation, for reports that name them.
    public static let all = [cprPerson, cprSearch, cprPopulation, kleNode, kleSubtree, klePlan,
                             subscriptionChange, subscriptionFilters]

    public static func named(_ name: String) -> GatewayOperation? { all.first { $0.name == name } }
}

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
            let limit = op.map { targets.limit($0.serviceClass).components }
            return OperationTargetReport(
                operation: s.operation, service: s.service, serviceClass: op?.serviceClass.rawValue ?? "-",
                limitSeconds: limit.map { Double($0.seconds) + Double($0.attoseconds) / 1e18 } ?? 0, calls: s.calls,
                serverBreaches: s.serverBreaches, clientBreaches: s.clientBreaches, serverBreachShare: s.serverBreachShare,
                p50Ms: s.p50Ms, p99Ms: s.p99Ms, maxMs: s.maxMs)
        }
    }
}
