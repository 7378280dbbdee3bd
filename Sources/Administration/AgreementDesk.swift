import Foundation
import Store

/// An agreement as the administration module shows it, with its history.
public struct AgreementView: Encodable, Sendable, Equatable {
    public var uuid: String
    public var system: String
    public var municipality: String
    public var service: String
    public var serviceUUID: String?
    public var state: AgreementState
    public var origin: RecordOrigin
    public var supplier: String?
    public var sender: String?
    public var infRef: String?
    public var history: [AgreementEvent]

    init(_ a: ServiceAgreement, supplier: String?, history: [AgreementEvent]) {
        uuid = a.uuid
        system = a.system
        municipality = a.municipality
        service = a.service
        serviceUUID = ServiceCatalog.service(key: a.service)?.uuid
        state = a.state
        origin = a.origin
        self.supplier = supplier
        sender = a.sender
        infRef = a.infRef
        self.history = history
    }

    enum CodingKeys: String, CodingKey {
        case uuid, system, municipality, service, state, origin, supplier, sender, history
        case serviceUUID = "service_uuid"
        case infRef = "infref"
    }
}

/// What the supplier receives when an agreement comes into force: what its system puts in
/// its invocation context, where it calls, and where its files arrive.
public struct CallInformation: Encodable, Sendable, Equatable {
    public var agreementUUID: String
    public var serviceUUID: String
    public var service: String
    public var systemUUID: String?
    public var municipality: String
    public var municipalityUUID: String?
    public var endpoints: [String]
    public var sftpInbox: String

    enum CodingKeys: String, CodingKey {
        case service, municipality, endpoints
        case agreementUUID = "agreement_uuid"
        case serviceUUID = "service_uuid"
        case systemUUID = "system_uuid"
        case municipalityUUID = "municipality_uuid"
        case sftpInbox = "sftp_inbox"
    }

    /// The text of the notice that carries it.
    var text: String {
        """
        ServiceAgreementUUID: \(agreementUUID)
        ServiceUUID: \(serviceUUID) (\(service))
        UserSystemUUID: \(systemUUID ?? "-")
        UserUUID (municipality \(municipality)): \(municipalityUUID ?? "-")
        Endpoints: \(endpoints.isEmpty ? "-" : endpoints.joined(separator: ", "))
        SFTP inbox: \(sftpInbox)
        """
    }
}

extension AdministrationDesk {
    /// What a supplier asks for: one system, one or more services, one or more
    /// municipalities. Each (service, municipality) becomes its own agreement, decided by
    /// that municipality's signatory.
    public struct AgreementRequest: Codable, Sendable {
        public var system: String
        public var services: [String]
        public var municipalities: [String]
        public var note: String?
        public init(system: String, services: [String], municipalities: [String], note: String? = nil) {
            self.system = system
            self.services = services
            self.municipalities = municipalities
            self.note = note
        }
    }

    func view(_ a: ServiceAgreement, _ owners: Ownership, history: Bool = true) throws -> AgreementView {
        AgreementView(a, supplier: owners.supplier(of: a.system), history: history ? try store.agreementEvents(uuid: a.uuid) : [])
    }

    public func agreements(_ p: Principal, system: String? = nil, municipality: String? = nil,
                           state: AgreementState? = nil) throws -> [AgreementView] {
        // Narrowed to the principal's own rows in SQL first; `Access` still decides each.
        var rows: [ServiceAgreement]
        switch (p.isOperator, p.organisation.kind) {
        case (true, _):
            rows = try store.agreements(system: system, municipality: municipality, state: state)
        case (false, .municipality):
            guard let own = p.municipality, municipality.map({ $0 == own }) ?? true else { return [] }
            rows = try store.agreements(system: system, municipality: own, state: state)
        case (false, .supplier):
            rows = try store.agreements(system: system, municipality: municipality, state: state, supplier: p.organisation.id)
        case (false, .platform):
            rows = []
        }
        let owners = try Ownership(store, forAgreements: true)
        rows = rows.filter { Access.decide(p, .readAgreement, on: owners.scope(of: $0)) == .allowed }
        return try rows.map { try view($0, owners, history: false) }
    }

    public func agreement(_ p: Principal, uuid: String) throws -> AgreementView {
        let snapshot = try store.configuration()
        let owners = Ownership(snapshot)
        guard let a = snapshot.agreements.first(where: { $0.uuid == uuid }),
              Access.decide(p, .readAgreement, on: owners.scope(of: a)) == .allowed else {
            throw AdministrationError.notFound("agreement", uuid)
        }
        return try view(a, owners)
    }

    /// The supplier requests agreements for its system; the municipalities are notified.
    /// On a trial connection they come into force at once, for the synthetic test data
    /// (every source of this platform is its seeded stub), and the municipality is told.
    public func requestAgreements(_ p: Principal, _ request: AgreementRequest) throws -> [AgreementView] {
        let snapshot = try store.configuration()
        guard let system = snapshot.systems.first(where: { $0.name == request.system }) else {
            throw AdministrationError.notFound("system", request.system)
        }
        try require(p, .requestAgreement, on: Ownership(snapshot).scope(ofSystem: system.name), code: "not-supplier",
                    what: "system", id: request.system)
        var check = FieldCheck()
        let note = check.line(request.note, "note", limit: 1000, required: false)
        if request.services.isEmpty { check.fail("services is empty; name one or more of \(ServiceCatalog.all.map(\.key).joined(separator: ", "))") }
        if request.municipalities.isEmpty { check.fail("municipalities is empty; name one or more municipality codes") }
        for s in request.services where ServiceCatalog.service(key: s) == nil {
            check.fail("'\(s.displaySafe(limit: 40))' is not a service; the services are \(ServiceCatalog.all.map(\.key).joined(separator: ", "))")
        }
        for s in request.services where s == "file-transfer" {
            check.fail("file-transfer agreements name a sender and a data type; they are set up by the operators in the configuration")
        }
        for m in request.municipalities where !snapshot.municipalities.contains(where: { $0.code == m }) {
            check.fail("there is no municipality with code '\(m.displaySafe(limit: 10))'")
        }
        let services = Array(Set(request.services)).sorted(), municipalities = Array(Set(request.municipalities)).sorted()
        for s in services { for m in municipalities {
            if let open = snapshot.agreements.first(where: { $0.system == system.name && $0.service == s && $0.municipality == m
                                                             && ($0.state == .requested || $0.state == .approved) }) {
                check.fail("\(system.name) already has agreement \(open.uuid) (\(open.state.rawValue)) for \(s) in \(m)")
            }
        } }
        try check.finish()
        let trial = snapshot.registrations.first { $0.system == system.name }?.trial ?? false
        let now = clock.date
        var agreements: [ServiceAgreement] = []
        var record = AdministrativeRecord(audit: [])
        let organisations = try store.organisations()
        for m in municipalities { for s in services {
            let a = ServiceAgreement(uuid: UUID().uuidString.lowercased(), system: system.name, municipality: m, service: s,
                                     state: trial ? .approved : .requested, origin: .admin)
            agreements.append(a)
            record.events.append(AgreementEvent(agreementUUID: a.uuid, at: now, actor: p.actor, event: "requested", reason: note))
            if trial {
                record.events.append(AgreementEvent(agreementUUID: a.uuid, at: now, actor: "platform", event: "in-force",
                                                    reason: "trial connection: synthetic test data, no approval needed"))
            }
            record.audit.append(audit(p, trial ? "agreement.trial" : "agreement.requested", a.uuid, "\(system.name) / \(m) / \(s)"))
        } }
        for m in municipalities {
            let org = organisations.first { $0.municipality == m }
            let list = agreements.filter { $0.municipality == m }.map { "  \($0.uuid): \($0.service)" }.joined(separator: "\n")
            record.notices.append(Notice(
                at: now, organisation: org?.id ?? Organisation.municipalityID(code: m), address: org?.noticeAddress,
                kind: trial ? "agreement.trial" : "agreement.requested",
                subject: trial ? "Trial connection of \(system.name) for municipality \(m)" : "Service agreement requested: \(system.name) for municipality \(m)",
                body: (trial ? "\(system.name) has a trial connection; these agreements are in force for synthetic test data:\n"
                             : "\(p.organisation.name) (\(p.organisation.id)) requests these agreements for \(system.name). Your signatory approves or rejects them with `udtraek agreements approve|reject UUID` or POST /api/v1/agreements/UUID/approve|reject:\n")
                    + list + (note.map { "\nNote: \($0)" } ?? "")))
        }
        let written = agreements, finished = record
        try storing { try store.insertAgreements(written, record: finished) }
        let after = Ownership(try store.configuration())
        return try agreements.map { try view($0, after) }
    }

    /// The municipality's signatory approves: the agreement is in force from now, and the
    /// supplier receives the call information.
    public func approve(_ p: Principal, uuid: String, note: String?) throws -> (AgreementView, CallInformation) {
        let (a, snapshot) = try decidable(p, uuid: uuid, act: .approveAgreement)
        var check = FieldCheck()
        let reason = check.line(note, "note", limit: 1000, required: false)
        try check.finish()
        let info = callInformation(a, snapshot)
        let now = clock.date
        let record = AdministrativeRecord(
            events: [AgreementEvent(agreementUUID: uuid, at: now, actor: p.actor, event: "approved", reason: reason),
                     AgreementEvent(agreementUUID: uuid, at: now, actor: p.actor, event: "in-force")],
            notices: [try supplierNotice(a, snapshot, kind: "agreement.approved",
                                         subject: "Service agreement approved: \(a.system) / \(a.service) for municipality \(a.municipality)",
                                         body: "Municipality \(a.municipality) approved agreement \(uuid). It is in force.\n\(info.text)")],
            audit: [audit(p, "agreement.approved", uuid, "\(a.system) / \(a.municipality) / \(a.service)" + (reason.map { ": \($0)" } ?? ""))])
        guard let changed = try storing({ try store.transitionAgreement(uuid: uuid, from: [.requested], to: .approved, record: record) }) else {
            throw AdministrationError.notFound("agreement", uuid)
        }
        return (try view(changed, Ownership(snapshot)), info)
    }

    /// The municipality's signatory rejects, with a reason the supplier receives.
    public func reject(_ p: Principal, uuid: String, reason: String?) throws -> AgreementView {
        let (a, snapshot) = try decidable(p, uuid: uuid, act: .rejectAgreement)
        var check = FieldCheck()
        let text = check.line(reason, "reason", limit: 1000)
        try check.finish()
        let now = clock.date
        let record = AdministrativeRecord(
            events: [AgreementEvent(agreementUUID: uuid, at: now, actor: p.actor, event: "rejected", reason: text)],
            notices: [try supplierNotice(a, snapshot, kind: "agreement.rejected",
                                         subject: "Service agreement rejected: \(a.system) / \(a.service) for municipality \(a.municipality)",
                                         body: "Municipality \(a.municipality) rejected agreement \(uuid).\nReason: \(text ?? "")")],
            audit: [audit(p, "agreement.rejected", uuid, "\(a.system) / \(a.municipality) / \(a.service): \(text ?? "")")])
        guard let changed = try storing({ try store.transitionAgreement(uuid: uuid, from: [.requested], to: .rejected, record: record) }) else {
            throw AdministrationError.notFound("agreement", uuid)
        }
        return try view(changed, Ownership(snapshot))
    }

    /// Either side (or an operator) ends an agreement; data stops flowing at once, and
    /// both sides are told.
    public func terminate(_ p: Principal, uuid: String, reason: String?) throws -> AgreementView {
        let (a, snapshot) = try decidable(p, uuid: uuid, act: .terminateAgreement)
        var check = FieldCheck()
        let text = check.line(reason, "reason", limit: 1000)
        try check.finish()
        let now = clock.date
        let organisations = try store.organisations()
        let municipality = organisations.first { $0.municipality == a.municipality }
        let subject = "Service agreement terminated: \(a.system) / \(a.service) for municipality \(a.municipality)"
        let body = "\(p.actor) terminated agreement \(uuid). No data flows under it any more.\nReason: \(text ?? "")"
        let record = AdministrativeRecord(
            events: [AgreementEvent(agreementUUID: uuid, at: now, actor: p.actor, event: "terminated", reason: text)],
            notices: [try supplierNotice(a, snapshot, kind: "agreement.terminated", subject: subject, body: body),
                      Notice(at: now, organisation: municipality?.id ?? Organisation.municipalityID(code: a.municipality),
                             address: municipality?.noticeAddress, kind: "agreement.terminated", subject: subject, body: body)],
            audit: [audit(p, "agreement.terminated", uuid, "\(a.system) / \(a.municipality) / \(a.service): \(text ?? "")")])
        guard let changed = try storing({ try store.transitionAgreement(uuid: uuid, from: [.requested, .approved], to: .terminated, record: record) }) else {
            throw AdministrationError.notFound("agreement", uuid)
        }
        return try view(changed, Ownership(snapshot))
    }

    /// The agreement, when the principal sees it and may do `act` to it; a decision already
    /// taken is a conflict that says what happened.
    func decidable(_ p: Principal, uuid: String, act: Act) throws -> (ServiceAgreement, ConfigurationSnapshot) {
        let snapshot = try store.configuration()
        guard let a = snapshot.agreements.first(where: { $0.uuid == uuid }) else { throw AdministrationError.notFound("agreement", uuid) }
        switch Access.decide(p, act, on: Ownership(snapshot).scope(of: a)) {
        case .notFound: throw AdministrationError.notFound("agreement", uuid)
        case .forbidden(let why): throw AdministrationError(.forbidden, act == .terminateAgreement ? "not-party" : "not-signatory", why)
        case .allowed: break
        }
        let allowedFrom: Set<AgreementState> = act == .terminateAgreement ? [.requested, .approved] : [.requested]
        guard allowedFrom.contains(a.state) else {
            throw AdministrationError(.conflict, "agreement-\(a.state.rawValue)",
                                      "agreement \(uuid) is \(a.state.rawValue); only a \(allowedFrom.map(\.rawValue).sorted().joined(separator: " or ")) agreement can be \(act == .approveAgreement ? "approved" : act == .rejectAgreement ? "rejected" : "terminated")")
        }
        return (a, snapshot)
    }

    func supplierNotice(_ a: ServiceAgreement, _ snapshot: ConfigurationSnapshot, kind: String, subject: String, body: String) throws -> Notice {
        let registration = snapshot.registrations.first { $0.system == a.system }
        let org = try Ownership(snapshot).supplier(of: a.system).flatMap { try store.organisation(id: $0) }
        return Notice(at: clock.date, organisation: org?.id ?? Organisation.platformID,
                      address: registration?.noticeAddress ?? org?.noticeAddress, kind: kind, subject: subject, body: body)
    }

    func callInformation(_ a: ServiceAgreement, _ snapshot: ConfigurationSnapshot) -> CallInformation {
        let system = snapshot.systems.first { $0.name == a.system }
        let base = snapshot.gateway.settings.map { "https://\($0.host):\($0.port)" } ?? "(no gateway configured)"
        let paths: [String: [String]] = [
            "cpr-lookup": ["/cpr/persons/{pnr}", "/cpr/persons?name=&road=&page=&pageSize="],
            "cpr-population": ["/cpr/population"],
            "kle-lookup": ["/kle/nodes/{id}", "/kle/nodes/{id}/subtree"],
            "kle-plan": ["/kle/plan"],
            "cpr-subscription": ["/cpr/subscriptions", "/soap/CprSubscriptionService/1"],
        ]
        return CallInformation(
            agreementUUID: a.uuid, serviceUUID: ServiceCatalog.service(key: a.service)?.uuid ?? "", service: a.service,
            systemUUID: system?.uuid, municipality: a.municipality,
            municipalityUUID: snapshot.municipalities.first { $0.code == a.municipality }?.uuid,
            endpoints: (paths[a.service] ?? []).map { base + $0 },
            sftpInbox: system.map { "sftp://\($0.sftpUser)@\($0.sftpHost):\($0.sftpPort)/\($0.inboxPath)" } ?? "-")
    }
}
