import Foundation
import GRDB

/// A write the administration module refused because the state it needed was not there:
/// the name is taken, the agreement already moved on. Nothing was written.
public struct StoreConflict: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one administrative act leaves behind besides its own rows, written in the same
/// transaction: the agreement's history, the notices, the audit rows.
public struct AdministrativeRecord: Sendable {
    public var events: [AgreementEvent]
    public var notices: [Notice]
    public var audit: [AuditEntry]

    public init(events: [AgreementEvent] = [], notices: [Notice] = [], audit: [AuditEntry]) {
        self.events = events
        self.notices = notices
        self.audit = audit
    }

    func insert(_ db: Database) throws {
        for var e in events { try e.insert(db) }
        for var n in notices { try n.insert(db) }
        for var a in audit { try a.insert(db) }
    }
}

extension Store {
    // MARK: Organisations

    public func organisations() throws -> [Organisation] {
        try read("reading organisations") { db in try Organisation.order(Column("id")).fetchAll(db) }
    }

    public func organisation(id: String) throws -> Organisation? {
        try read("reading organisation \(id)") { db in try Organisation.fetchOne(db, key: id) }
    }

    /// Adds an organisation; a taken id, CVR number or municipality is a conflict.
    public func createOrganisation(_ organisation: Organisation, record: AdministrativeRecord) throws {
        try write("adding organisation \(organisation.id)") { db in
            if try Organisation.fetchOne(db, key: organisation.id) != nil {
                throw StoreConflict("the organisation \(organisation.id) exists already")
            }
            if let cvr = organisation.cvr, try Organisation.filter(Column("cvr") == cvr).fetchCount(db) > 0 {
                throw StoreConflict("an organisation with CVR \(cvr) exists already")
            }
            if let code = organisation.municipality, try Organisation.filter(Column("municipality") == code).fetchCount(db) > 0 {
                throw StoreConflict("an organisation for municipality \(code) exists already")
            }
            try organisation.insert(db)
            try record.insert(db)
        }
    }

    /// Replaces an organisation's changeable fields (name, notice address, ceilings).
    public func updateOrganisation(_ organisation: Organisation, record: AdministrativeRecord) throws {
        try write("changing organisation \(organisation.id)") { db in
            try organisation.update(db)
            try record.insert(db)
        }
    }

    // MARK: Users and tokens

    public func users(organisation: String? = nil) throws -> [User] {
        try read("reading users") { db in
            var request = User.order(Column("id"))
            if let organisation { request = request.filter(Column("organisation") == organisation) }
            return try request.fetchAll(db)
        }
    }

    public func user(id: Int64) throws -> User? {
        try read("reading user \(id)") { db in try User.fetchOne(db, key: id) }
    }

    public func createUser(_ user: User, record: AdministrativeRecord) throws -> User {
        try write("adding user \(user.name)") { db in
            guard try Organisation.fetchOne(db, key: user.organisation) != nil else {
                throw StoreConflict("there is no organisation \(user.organisation)")
            }
            var row = user
            try row.insert(db)
            var record = record
            for i in record.audit.indices { record.audit[i].subject = "user \(row.id ?? 0)" }
            try record.insert(db)
            return row
        }
    }

    /// Saves a user's roles or disables it; disabling revokes nothing but stops every token.
    public func updateUser(_ user: User, record: AdministrativeRecord) throws {
        try write("changing user \(user.id ?? 0)") { db in
            try user.update(db)
            try record.insert(db)
        }
    }

    public func createToken(_ token: APITokenRecord, record: AdministrativeRecord) throws -> APITokenRecord {
        try write("adding an API token for user \(token.userId)") { db in
            var row = token
            try row.insert(db)
            var record = record
            for i in record.audit.indices { record.audit[i].detail += " (token \(row.id ?? 0))" }
            try record.insert(db)
            return row
        }
    }

    public func tokens(user: Int64) throws -> [APITokenRecord] {
        try read("reading the tokens of user \(user)") { db in
            try APITokenRecord.filter(Column("user_id") == user).order(Column("id")).fetchAll(db)
        }
    }

    public func token(id: Int64) throws -> APITokenRecord? {
        try read("reading token \(id)") { db in try APITokenRecord.fetchOne(db, key: id) }
    }

    /// Revokes the token (once; a revoked token keeps its first revocation time).
    public func revokeToken(id: Int64, at now: Date, record: AdministrativeRecord) throws -> APITokenRecord? {
        try write("revoking token \(id)") { db in
            guard var token = try APITokenRecord.fetchOne(db, key: id) else { return nil }
            guard token.revokedAt == nil else { return token }
            token.revokedAt = now
            try token.update(db)
            try record.insert(db)
            return token
        }
    }

    /// The user, organisation and token a presented token's digest belongs to, when the
    /// token is usable at `now` and its user is not disabled. Notes the use at most once a
    /// minute, so a busy script does not turn every read into a write.
    public func signIn(tokenDigest: String, at now: Date) throws -> (user: User, organisation: Organisation, token: APITokenRecord)? {
        let found = try read("checking an API token") { db -> (User, Organisation, APITokenRecord)? in
            guard let token = try APITokenRecord.filter(Column("digest") == tokenDigest).fetchOne(db),
                  token.isUsable(at: now),
                  let user = try User.fetchOne(db, key: token.userId), user.disabledAt == nil,
                  let organisation = try Organisation.fetchOne(db, key: user.organisation) else { return nil }
            return (user, organisation, token)
        }
        guard let (user, organisation, token) = found else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true, let id = token.id {
            try? write("noting the use of token \(id)") { db in
                try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [now, id])
            }
        }
        return (user, organisation, token)
    }

    // MARK: Systems

    public func registrations() throws -> [SystemRegistration] {
        try read("reading system registrations") { db in try SystemRegistration.order(Column("system")).fetchAll(db) }
    }

    public func registration(system: String) throws -> SystemRegistration? {
        try read("reading the registration of \(system)") { db in try SystemRegistration.fetchOne(db, key: system) }
    }

    /// Adds a system its supplier registered, with its registration; a taken name or UUID
    /// is a conflict.
    public func registerSystem(_ system: ReceiverSystem, registration: SystemRegistration, record: AdministrativeRecord) throws {
        try write("registering system \(system.name)") { db in
            if try ReceiverSystem.fetchOne(db, key: system.name) != nil {
                throw StoreConflict("a system named \(system.name) exists already; choose another name")
            }
            if let uuid = system.uuid, try ReceiverSystem.filter(Column("uuid") == uuid).fetchCount(db) > 0 {
                throw StoreConflict("a system with UUID \(uuid) exists already")
            }
            try system.insert(db)
            try registration.insert(db)
            // The gateway knows the system by this certificate from now; an
            // `ssl-certificate` change order replaces it with an overlap, as for any system.
            if registration.certificateSubject != nil || registration.certificateFingerprint != nil {
                try SystemCertificate(system: system.name, subject: registration.certificateSubject,
                                      fingerprint: registration.certificateFingerprint, serial: registration.certificateSerial).insert(db)
            }
            try record.insert(db)
        }
    }

    // MARK: Scope

    /// Each system's supplier (the configuration's `supplier`, else its registration's) and
    /// the municipalities its agreements name, read as plain rows: the administration module
    /// decides every list with it, and at a country's size decoding whole records would
    /// cost seconds.
    /// Without `municipalities` only the suppliers are read (one row per system), which is
    /// all an agreement's scope needs.
    public func ownership(municipalities withMunicipalities: Bool = true) throws -> (suppliers: [String: String], municipalities: [String: Set<String>]) {
        try read("reading who owns which system") { db in
            var suppliers: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT system, supplier FROM system_registration") {
                suppliers[row["system"]] = row["supplier"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, supplier FROM receiver_system WHERE supplier IS NOT NULL") {
                suppliers[row["name"]] = row["supplier"]
            }
            var municipalities: [String: Set<String>] = [:]
            guard withMunicipalities else { return (suppliers, municipalities) }
            for row in try Row.fetchAll(db, sql: "SELECT DISTINCT system, municipality FROM service_agreement") {
                municipalities[row["system"], default: []].insert(row["municipality"])
            }
            return (suppliers, municipalities)
        }
    }

    /// Systems with their registrations and gateway certificates, without the rest of the
    /// configuration.
    public func systemsWithRegistrations() throws -> (systems: [ReceiverSystem], registrations: [String: SystemRegistration],
                                                     certificates: [String: SystemCertificate]) {
        try read("reading systems") { db in
            (try ReceiverSystem.order(Column("name")).fetchAll(db),
             Dictionary(try SystemRegistration.fetchAll(db).map { ($0.system, $0) }, uniquingKeysWith: { a, _ in a }),
             Dictionary(try SystemCertificate.fetchAll(db).map { ($0.system, $0) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    // MARK: Agreements

    /// Agreements matching every filter given; `supplier` keeps those of that supplier's
    /// systems. Narrowed in SQL, so a municipality's or a supplier's list reads its own rows
    /// only.
    public func agreements(system: String? = nil, municipality: String? = nil, state: AgreementState? = nil,
                           supplier: String? = nil) throws -> [ServiceAgreement] {
        try read("reading service agreements") { db in
            var request = ServiceAgreement.order(Column("uuid"))
            if let system { request = request.filter(Column("system") == system) }
            if let municipality { request = request.filter(Column("municipality") == municipality) }
            if let state { request = request.filter(Column("state") == state.rawValue) }
            if let supplier {
                request = request.filter(sql: """
                    system IN (SELECT name FROM receiver_system WHERE supplier = ?
                               UNION SELECT system FROM system_registration WHERE supplier = ?)
                    """, arguments: [supplier, supplier])
            }
            return try request.fetchAll(db)
        }
    }

    public func agreementEvents(uuid: String) throws -> [AgreementEvent] {
        try read("reading the history of agreement \(uuid)") { db in
            try AgreementEvent.filter(Column("agreement_uuid") == uuid).order(Column("id")).fetchAll(db)
        }
    }

    /// Adds requested agreements (or trial ones already in force) with their history and notices.
    public func insertAgreements(_ agreements: [ServiceAgreement], record: AdministrativeRecord) throws {
        try write("recording \(agreements.count) requested agreement(s)") { db in
            for a in agreements { try a.insert(db) }
            try record.insert(db)
        }
    }

    /// Moves an agreement to `state` if it is still in one of `from`, with its history,
    /// notices and audit rows. Returns the agreement as it is afterwards; a conflict when
    /// it had moved on meanwhile (someone else decided first), and nothing is written.
    public func transitionAgreement(uuid: String, from: Set<AgreementState>, to state: AgreementState,
                                    record: AdministrativeRecord) throws -> ServiceAgreement? {
        try write("changing agreement \(uuid)") { db in
            guard var agreement = try ServiceAgreement.fetchOne(db, key: uuid) else { return nil }
            guard from.contains(agreement.state) else {
                throw StoreConflict("agreement \(uuid) is \(agreement.state.rawValue); it cannot become \(state.rawValue) from there")
            }
            agreement.state = state
            try agreement.update(db)
            try record.insert(db)
            return agreement
        }
    }

    // MARK: Notices

    public func notices(organisation: String? = nil, limit: Int = 100) throws -> [Notice] {
        try read("reading notices") { db in
            var request = Notice.order(Column("id").desc).limit(limit)
            if let organisation { request = request.filter(Column("organisation") == organisation) }
            return try request.fetchAll(db)
        }
    }

    /// Queues notices (and their audit rows) unless one of the same kind and subject was
    /// queued for the organisation already: a usage ceiling is told once a month.
    public func queueNoticeOnce(_ notice: Notice, record: AdministrativeRecord) throws -> Bool {
        try write("queueing a notice to \(notice.organisation)") { db in
            let seen = try Notice.filter(Column("organisation") == notice.organisation && Column("kind") == notice.kind
                                         && Column("subject") == notice.subject).fetchCount(db)
            guard seen == 0 else { return false }
            var row = notice
            try row.insert(db)
            try record.insert(db)
            return true
        }
    }

    // MARK: Usage

    /// Each agreement's use between `start` and `end` (one calendar month), labelled `month`:
    /// successful gateway calls, and extract files produced under it with their bytes.
    /// Agreements with no use are included, so a month reads complete.
    public func usage(month: String, start: Date, end: Date, agreements: [ServiceAgreement]) throws -> [AgreementUsage] {
        try read("reading usage for \(month)") { db in
            var lookups: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT agreement_uuid, COUNT(*) AS n FROM gateway_call
                WHERE agreement_uuid IS NOT NULL AND at >= ? AND at < ? AND status < 400
                GROUP BY agreement_uuid
                """, arguments: [start, end]) {
                lookups[row["agreement_uuid"]] = row["n"]
            }
            var files: [String: (Int, Int64)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT agreement_uuid, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM outbox
                WHERE agreement_uuid IS NOT NULL AND transfer_id IS NULL AND created_at >= ? AND created_at < ?
                GROUP BY agreement_uuid
                """, arguments: [start, end]) {
                files[row["agreement_uuid"]] = (row["n"], row["b"])
            }
            return agreements.map { a in
                let f = files[a.uuid] ?? (0, 0)
                return AgreementUsage(agreement: a.uuid, system: a.system, municipality: a.municipality, service: a.service,
                                      month: month, lookups: lookups[a.uuid] ?? 0, extractFiles: f.0, extractBytes: f.1)
            }
        }
    }
}
