import Store

/// Who owns what, worked out once per act from the snapshot: the supplier of each system
/// (the configuration's `supplier:` or its registration's) and the municipalities its
/// agreements name. At the platform's size (thousands of systems, an agreement per
/// system, service and municipality) a search per object would make a list quadratic.
struct Ownership {
    private let suppliers: [String: String]
    private let municipalities: [String: Set<String>]

    init(suppliers: [String: String], municipalities: [String: Set<String>]) {
        self.suppliers = suppliers
        self.municipalities = municipalities
    }

    /// `forAgreements`: only the suppliers, which is all an agreement's scope needs.
    init(_ store: Store, forAgreements: Bool = false) throws {
        let (suppliers, municipalities) = try store.ownership(municipalities: !forAgreements)
        self.init(suppliers: suppliers, municipalities: municipalities)
    }

    init(_ snapshot: ConfigurationSnapshot) {
        var suppliers = Dictionary(snapshot.registrations.map { ($0.system, $0.supplier) }, uniquingKeysWith: { a, _ in a })
        for s in snapshot.systems { if let supplier = s.supplier { suppliers[s.name] = supplier } }
        self.suppliers = suppliers
        var municipalities: [String: Set<String>] = [:]
        for a in snapshot.agreements { municipalities[a.system, default: []].insert(a.municipality) }
        self.municipalities = municipalities
    }

    func supplier(of system: String) -> String? { suppliers[system] }

    /// A system concerns its supplier and every municipality an agreement (in any state)
    /// names it for, since a municipality must see what is asked of it.
    func scope(ofSystem name: String) -> Scope {
        Scope(supplier: suppliers[name], municipalities: municipalities[name] ?? [])
    }

    func scope(of agreement: ServiceAgreement) -> Scope {
        .agreement(agreement, supplier: suppliers[agreement.system])
    }
}
