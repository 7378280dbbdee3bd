import Foundation
import Runtime
import Store

/// The administration module's acts: organisations, users and their tokens, systems,
/// agreements and usage. Each act decides access first (`Access`), checks every field,
/// and then writes its rows, history, notices and audit in one transaction, so a refused
/// act changes nothing. The API, the CLI and the console call the same methods; they are
/// synchronous (SQLite blocks), so async callers run them on the blocking executor.
public struct AdministrationDesk: Sendable {
    let store: Store
    let clock: RuntimeClock
    /// Where the key pairs the platform logs in to registered systems' inboxes with are made.
    let keyDirectory: String

    public init(store: Store, clock: RuntimeClock = .system, keyDirectory: String) {
        self.store = store
        self.clock = clock
        self.keyDirectory = keyDirectory
    }

    /// A store failure of an act is the store's error; a conflict is the caller's.
    func storing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let conflict as StoreConflict {
            throw AdministrationError(.conflict, "conflict", conflict.message)
        }
    }

    /// Throws unless `Access` allows the act: not found for an object out of scope (named
    /// `what` and `id`, as if it did not exist), forbidden with the reason otherwise.
    func require(_ p: Principal, _ act: Act, on scope: Scope, code: String, what: String = "", id: String = "") throws {
        switch Access.decide(p, act, on: scope) {
        case .allowed: return
        case .notFound: throw AdministrationError.notFound(what, id)
        case .forbidden(let why): throw AdministrationError(.forbidden, code, why)
        }
    }

    func audit(_ p: Principal, _ action: String, _ subject: String, _ detail: String) -> AuditEntry {
        AuditEntry(at: clock.date, actor: p.actor, action: action, subject: subject, detail: detail)
    }

    // MARK: Signing in

    /// The principal a personal token stands for, or nil when it is unknown, expired,
    /// revoked or its user is disabled (the caller answers all of them alike).
    public func signIn(token: String) throws -> Principal? {
        guard TokenSecret.looksPersonal(token),
              let (user, organisation, _) = try store.signIn(tokenDigest: TokenSecret.digest(token), at: clock.date) else { return nil }
        return Principal(user: user, organisation: organisation)
    }

    // MARK: Organisations

    static func scope(of o: Organisation) -> Scope {
        Scope(supplier: o.kind == .supplier ? o.id : nil, municipalities: o.municipality.map { [$0] } ?? [], organisation: o.id)
    }

    public func organisations(_ p: Principal) throws -> [Organisation] {
        try store.organisations().filter { Access.decide(p, .readOrganisation, on: Self.scope(of: $0)) == .allowed }
    }

    public func organisation(_ p: Principal, id: String) throws -> Organisation {
        guard let o = try store.organisation(id: id), Access.decide(p, .readOrganisation, on: Self.scope(of: o)) == .allowed else {
            throw AdministrationError.notFound("organisation", id)
        }
        return o
    }

    /// What an operator gives to add a supplier or a municipality.
    public struct NewOrganisation: Codable, Sendable {
        public var kind: OrganisationKind
        public var name: String?
        public var cvr: String?
        public var municipality: String?
        public var noticeAddress: String?
        public init(kind: OrganisationKind, name: String? = nil, cvr: String? = nil, municipality: String? = nil, noticeAddress: String? = nil) {
            self.kind = kind
            self.name = name
            self.cvr = cvr
            self.municipality = municipality
            self.noticeAddress = noticeAddress
        }
        enum CodingKeys: String, CodingKey {
            case kind, name, cvr, municipality
            case noticeAddress = "notice_address"
        }
    }

    public func createOrganisation(_ p: Principal, _ request: NewOrganisation) throws -> Organisation {
        try require(p, .createOrganisation, on: .platform, code: "operator-only")
        var check = FieldCheck()
        let address = check.email(request.noticeAddress, "notice_address")
        let organisation: Organisation
        switch request.kind {
        case .supplier:
            let name = check.line(request.name, "name")
            let cvr = check.digits(request.cvr, "cvr", count: 8)
            if request.municipality != nil { check.fail("a supplier has a cvr, not a municipality") }
            try check.finish()
            organisation = Organisation(id: Organisation.supplierID(cvr: cvr ?? ""), kind: .supplier, name: name ?? "", cvr: cvr,
                                        noticeAddress: address, createdAt: clock.date)
        case .municipality:
            let code = check.digits(request.municipality, "municipality", count: 4)
            if request.cvr != nil { check.fail("a municipality is named by its municipality code, not a cvr") }
            let known = try code.flatMap { c in try store.configuration().municipalities.first { $0.code == c } }
            if let code, known == nil {
                check.fail("municipality \(code) is not in the configuration's municipalities; add it there first")
            }
            let name = check.line(request.name ?? known?.name, "name")
            try check.finish()
            organisation = Organisation(id: Organisation.municipalityID(code: code ?? ""), kind: .municipality, name: name ?? "",
                                        municipality: code, noticeAddress: address, createdAt: clock.date)
        case .platform:
            throw AdministrationError(.invalid, "invalid-request", "the platform's organisation exists already; add operators to it as users")
        }
        try storing {
            try store.createOrganisation(organisation, record: AdministrativeRecord(audit: [
                audit(p, "organisation.created", organisation.id, "\(organisation.kind.rawValue) \(organisation.name)"),
            ]))
        }
        return organisation
    }

    /// Fields an administrator may change; a field left out is left as it is. A ceiling
    /// of 0 removes it.
    public struct OrganisationChange: Codable, Sendable {
        public var name: String?
        public var noticeAddress: String?
        public var ceilingLookups: Int?
        public var ceilingBytes: Int64?
        public init(name: String? = nil, noticeAddress: String? = nil, ceilingLookups: Int? = nil, ceilingBytes: Int64? = nil) {
            self.name = name
            self.noticeAddress = noticeAddress
            self.ceilingLookups = ceilingLookups
            self.ceilingBytes = ceilingBytes
        }
        enum CodingKeys: String, CodingKey {
            case name
            case noticeAddress = "notice_address"
            case ceilingLookups = "ceiling_lookups"
            case ceilingBytes = "ceiling_bytes"
        }
    }

    public func changeOrganisation(_ p: Principal, id: String, _ change: OrganisationChange) throws -> Organisation {
        var o = try organisation(p, id: id)
        try require(p, .changeOrganisation, on: Self.scope(of: o), code: "not-admin", what: "organisation", id: id)
        var check = FieldCheck()
        if change.name != nil, let name = check.line(change.name, "name") { o.name = name }
        if change.noticeAddress != nil { o.noticeAddress = check.email(change.noticeAddress, "notice_address") }
        if change.ceilingLookups != nil || change.ceilingBytes != nil, o.kind != .municipality {
            check.fail("a usage ceiling (forbrugsloft) is set for a municipality, not a \(o.kind.rawValue)")
        }
        if let n = change.ceilingLookups {
            if n < 0 { check.fail("ceiling_lookups must be 0 (none) or more") } else { o.ceilingLookups = n == 0 ? nil : n }
        }
        if let n = change.ceilingBytes {
            if n < 0 { check.fail("ceiling_bytes must be 0 (none) or more") } else { o.ceilingBytes = n == 0 ? nil : n }
        }
        try check.finish()
        let changed = o
        try store.updateOrganisation(changed, record: AdministrativeRecord(audit: [
            audit(p, "organisation.changed", o.id,
                  "name \(o.name), notice address \(o.noticeAddress ?? "-"), ceiling lookups \(o.ceilingLookups.map(String.init) ?? "-"), bytes \(o.ceilingBytes.map(String.init) ?? "-")"),
        ]))
        return changed
    }

    // MARK: Users

    public func users(_ p: Principal, organisation: String? = nil) throws -> [User] {
        try store.users(organisation: organisation).filter {
            Access.decide(p, .readUsers, on: Scope(organisation: $0.organisation)) == .allowed
        }
    }

    public func user(_ p: Principal, id: Int64) throws -> User {
        guard let u = try store.user(id: id), Access.decide(p, .readUsers, on: Scope(organisation: u.organisation)) == .allowed else {
            throw AdministrationError.notFound("user", "\(id)")
        }
        return u
    }

    public struct NewUser: Codable, Sendable {
        public var organisation: String
        public var name: String?
        public var email: String?
        public var roles: [String]
        public init(organisation: String, name: String?, email: String? = nil, roles: [String]) {
            self.organisation = organisation
            self.name = name
            self.email = email
            self.roles = roles
        }
    }

    /// Which roles a user of `organisation` may hold, and who may grant them: `operator`
    /// only in the platform's organisation and only by an operator, `signatory` only in a
    /// municipality.
    func checkRoles(_ names: [String], for organisation: Organisation, by p: Principal, _ check: inout FieldCheck) -> [Role] {
        var roles: [Role] = []
        if names.isEmpty { check.fail("roles is empty; give one or more of \(Role.allCases.map(\.rawValue).joined(separator: ", "))") }
        for name in names {
            guard let role = Role(rawValue: name) else {
                check.fail("'\(name.displaySafe(limit: 30))' is not a role; the roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            switch role {
            case .operator where organisation.kind != .platform:
                check.fail("the operator role belongs to the platform's organisation only")
            case .operator where !p.isOperator:
                check.fail("only an operator may make another operator")
            case .signatory where organisation.kind != .municipality:
                check.fail("the signatory role exists in municipalities only")
            default:
                roles.append(role)
            }
        }
        return roles
    }

    public func createUser(_ p: Principal, _ request: NewUser) throws -> User {
        let o = try organisation(p, id: request.organisation)
        try require(p, .manageUsers, on: Self.scope(of: o), code: "not-admin", what: "organisation", id: o.id)
        var check = FieldCheck()
        let name = check.line(request.name, "name")
        let email = check.email(request.email, "email")
        let roles = checkRoles(request.roles, for: o, by: p, &check)
        try check.finish()
        return try storing {
            try store.createUser(User(organisation: o.id, name: name ?? "", email: email, roles: roles, createdAt: clock.date),
                                 record: AdministrativeRecord(audit: [
                                    audit(p, "user.created", "user", "\(name ?? "") in \(o.id) with roles \(roles.map(\.rawValue).joined(separator: ","))"),
                                 ]))
        }
    }

    public struct UserChange: Codable, Sendable {
        public var roles: [String]?
        public var disabled: Bool?
        public init(roles: [String]? = nil, disabled: Bool? = nil) {
            self.roles = roles
            self.disabled = disabled
        }
    }

    /// Changes a user's roles or disables it. Nobody disables or demotes themselves: an
    /// organisation must not lose its last administrator by a slip.
    public func changeUser(_ p: Principal, id: Int64, _ change: UserChange) throws -> User {
        var u = try user(p, id: id)
        let o = try organisation(p, id: u.organisation)
        try require(p, .manageUsers, on: Self.scope(of: o), code: "not-admin", what: "organisation", id: o.id)
        var check = FieldCheck()
        if let names = change.roles {
            u.roles = Array(Set(checkRoles(names, for: o, by: p, &check))).sorted()
        }
        if let disabled = change.disabled { u.disabledAt = disabled ? (u.disabledAt ?? clock.date) : nil }
        if u.id == p.userId, u.disabledAt != nil || (change.roles != nil && !p.roles.isSubset(of: Set(u.roles))) {
            check.fail("you cannot disable yourself or take away your own roles; ask another administrator")
        }
        try check.finish()
        let changed = u
        try store.updateUser(changed, record: AdministrativeRecord(audit: [
            audit(p, "user.changed", "user \(id)", "roles \(u.roles.map(\.rawValue).joined(separator: ",")), \(u.disabledAt == nil ? "enabled" : "disabled")"),
        ]))
        return changed
    }

    // MARK: Tokens

    /// Whether `p` may handle the tokens of `u`: their own, or as the organisation's
    /// administrator, or as an operator.
    func tokenAccess(_ p: Principal, _ u: User) throws {
        let o = try organisation(p, id: u.organisation)
        if u.id == p.userId { return }
        guard Access.decide(p, .manageUsers, on: Self.scope(of: o)) == .allowed else {
            throw AdministrationError(.forbidden, "not-admin", "a token is made or revoked by its own user, the organisation's administrators or an operator")
        }
    }

    /// A new token for the user, valid `days` days (nil: until revoked). The text is
    /// returned here and nowhere else, ever.
    public func createToken(_ p: Principal, user id: Int64, name: String?, days: Int?) throws -> (token: APITokenRecord, secret: String) {
        let u = try user(p, id: id)
        // A token made for someone else would let its maker act as them (an administrator
        // as the signatory): only the user itself, or an operator setting a user up, makes one.
        guard u.id == p.userId || p.isOperator else {
            throw AdministrationError(.forbidden, "not-own-token",
                                      "a token is made by its own user (or by an operator setting the user up); administrators may list and revoke them")
        }
        var check = FieldCheck()
        let label = check.line(name ?? "api", "name", limit: 100)
        if let days, !(1...3650).contains(days) { check.fail("expires_in_days must be 1...3650 (or left out for no expiry)") }
        if u.disabledAt != nil { check.fail("user \(id) is disabled; enable it before making it a token") }
        try check.finish()
        let secret = TokenSecret.generate()
        let now = clock.date
        let record = APITokenRecord(userId: id, name: label ?? "api", digest: TokenSecret.digest(secret),
                                    prefix: TokenSecret.displayPrefix(secret), createdAt: now,
                                    expiresAt: days.map { now.addingTimeInterval(Double($0) * 86_400) })
        let stored = try store.createToken(record, record: AdministrativeRecord(audit: [
            audit(p, "token.created", "user \(id)", "\(record.prefix)…, \(days.map { "expires in \($0) days" } ?? "no expiry")"),
        ]))
        return (stored, secret)
    }

    public func tokens(_ p: Principal, user id: Int64) throws -> [APITokenRecord] {
        let u = try user(p, id: id)
        try tokenAccess(p, u)
        return try store.tokens(user: id)
    }

    public func revokeToken(_ p: Principal, id: Int64) throws -> APITokenRecord {
        guard let token = try store.token(id: id), let u = try? user(p, id: token.userId) else {
            throw AdministrationError.notFound("token", "\(id)")
        }
        try tokenAccess(p, u)
        guard let revoked = try store.revokeToken(id: id, at: clock.date, record: AdministrativeRecord(audit: [
            audit(p, "token.revoked", "user \(u.id ?? 0)", "token \(id) (\(token.prefix)…)"),
        ])) else { throw AdministrationError.notFound("token", "\(id)") }
        return revoked
    }
}
