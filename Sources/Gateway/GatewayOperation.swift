import Store

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

    static let cprPerson = GatewayOperation("cpr.person", service: "cpr-lookup", .simple)
    static let cprSearch = GatewayOperation("cpr.search", service: "cpr-lookup", .medium)
    static let cprPopulation = GatewayOperation("cpr.population", service: "cpr-population", .large)
    static let kleNode = GatewayOperation("kle.node", service: "kle-lookup", .simple)
    static let kleSubtree = GatewayOperation("kle.subtree", service: "kle-lookup", .medium)
    static let klePlan = GatewayOperation("kle.plan", service: "kle-plan", .large)

    /// Every operation, for reports that name them.
    public static let all = [cprPerson, cprSearch, cprPopulation, kleNode, kleSubtree, klePlan]

    public static func named(_ name: String) -> GatewayOperation? { all.first { $0.name == name } }
}
