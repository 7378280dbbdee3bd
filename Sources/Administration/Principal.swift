import Store

/// Who is acting: a user signed in with a personal token, an operator token of the
/// configuration, or the operator at the command line. Every act of the administration
/// module is decided on a principal, never on where the request came from.
public struct Principal: Sendable, Equatable {
    /// For the audit log and agreements' history: `user:12 (Karen Holm, kommune:0101)`.
    public var actor: String
    public var userId: Int64?
    public var organisation: Organisation
    public var roles: Set<Role>

    public init(actor: String, userId: Int64?, organisation: Organisation, roles: Set<Role>) {
        self.actor = actor
        self.userId = userId
        self.organisation = organisation
        self.roles = roles
    }

    /// A user signed in with one of its tokens.
    public init(user: User, organisation: Organisation) {
        self.init(actor: "user:\(user.id ?? 0) (\(user.name), \(organisation.id))", userId: user.id,
                  organisation: organisation, roles: Set(user.roles))
    }

    /// The configuration's operator tokens and the local command line act as the platform's
    /// operators, as they always have.
    public static func platformOperator(actor: String) -> Principal {
        Principal(actor: actor, userId: nil,
                  organisation: Organisation(id: Organisation.platformID, kind: .platform, name: "the platform", createdAt: .distantPast),
                  roles: [.operator])
    }

    public var isOperator: Bool { roles.contains(.operator) }

    /// The municipality code the principal acts for, when it belongs to a municipality.
    public var municipality: String? { organisation.kind == .municipality ? organisation.municipality : nil }
}
