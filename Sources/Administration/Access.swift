import Store

/// Something a principal may ask to do. Each is allowed to some roles, and only on objects
/// in the principal's scope.
public enum Act: String, Sendable, CaseIterable {
    case readOrganisation, createOrganisation, changeOrganisation
    case readUsers, manageUsers
    case registerSystem, readSystem
    /// A supplier's self-service change of its own system (its gateway certificate).
    case changeSystem
    case requestAgreement, readAgreement, approveAgreement, rejectAgreement, terminateAgreement
    case readUsage
    /// The operators' API of runs, change orders, transfers and the gateway.
    case operate
}

/// Whose an object is: the supplier that owns it, the municipalities it concerns, the
/// organisation it belongs to. An object with an empty scope is the platform's own.
public struct Scope: Sendable, Equatable {
    public var supplier: String?
    public var municipalities: Set<String>
    public var organisation: String?

    public init(supplier: String? = nil, municipalities: Set<String> = [], organisation: String? = nil) {
        self.supplier = supplier
        self.municipalities = municipalities
        self.organisation = organisation
    }

    /// An agreement concerns its system's supplier and its municipality.
    public static func agreement(_ a: ServiceAgreement, supplier: String?) -> Scope {
        Scope(supplier: supplier, municipalities: [a.municipality])
    }

    /// The platform's own things: nobody but an operator sees them.
    public static let platform = Scope()
}

/// The answer to "may this principal do this to this object".
public enum Decision: Sendable, Equatable {
    case allowed
    /// The object is outside the principal's scope: answered exactly as if it did not exist,
    /// so a caller cannot learn that it does.
    case notFound
    /// In scope, but the principal's roles do not allow the act; the text says who may.
    case forbidden(String)
}

/// The rules of who may do what, in one place, with no I/O: the API, the CLI and the
/// console all ask here, and the role x act x scope matrix tests it exhaustively.
public enum Access {
    /// Whether the principal can see the object at all.
    public static func sees(_ p: Principal, _ scope: Scope) -> Bool {
        if p.isOperator { return true }
        if let supplier = scope.supplier, supplier == p.organisation.id { return true }
        if let code = p.municipality, scope.municipalities.contains(code) { return true }
        if let org = scope.organisation, org == p.organisation.id { return true }
        return false
    }

    public static func decide(_ p: Principal, _ act: Act, on scope: Scope) -> Decision {
        // Acts without an object are judged by role alone.
        switch act {
        case .createOrganisation, .operate:
            return p.isOperator ? .allowed : .forbidden("only the platform's operators may do this")
        case .registerSystem:
            guard p.organisation.kind == .supplier, !p.roles.isDisjoint(with: [.admin, .user]) else {
                return .forbidden("IT systems are registered by their supplier's users (role user or admin)")
            }
            return scope.supplier == p.organisation.id ? .allowed : .notFound
        default:
            break
        }
        guard sees(p, scope) else { return .notFound }
        let ownSupplier = p.organisation.kind == .supplier && scope.supplier == p.organisation.id
        let ownMunicipality = p.municipality.map { scope.municipalities.contains($0) } ?? false
        switch act {
        case .readOrganisation, .readUsers, .readSystem, .readAgreement, .readUsage:
            return .allowed
        case .changeOrganisation, .manageUsers:
            return p.isOperator || p.roles.contains(.admin) ? .allowed
                : .forbidden("only the organisation's administrators (role admin) and the platform's operators may do this")
        case .changeSystem:
            return p.isOperator || (ownSupplier && !p.roles.isDisjoint(with: [.admin, .user])) ? .allowed
                : .forbidden("a system's self-service changes are made by its supplier (role user or admin)")
        case .requestAgreement:
            return ownSupplier && !p.roles.isDisjoint(with: [.admin, .user]) ? .allowed
                : .forbidden("agreements are requested by the system's supplier (role user or admin)")
        case .approveAgreement, .rejectAgreement:
            return ownMunicipality && p.roles.contains(.signatory) ? .allowed
                : .forbidden("only the signatory (role signatory) of the agreement's municipality may approve or reject it")
        case .terminateAgreement:
            if p.isOperator { return .allowed }
            if ownSupplier && !p.roles.isDisjoint(with: [.admin, .user]) { return .allowed }
            if ownMunicipality && !p.roles.isDisjoint(with: [.admin, .signatory]) { return .allowed }
            return .forbidden("an agreement is terminated by its supplier (user or admin), its municipality (signatory or admin) or an operator")
        case .createOrganisation, .operate, .registerSystem:
            return .allowed
        }
    }
}
