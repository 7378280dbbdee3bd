import Administration
import ChangeOrders
import Foundation
import Hummingbird
import Store

/// The administration module over HTTP (README "Roles and the agreement lifecycle").
/// Every route needs a token: a personal token (`udt_...`, made with
/// `udtraek users token create` or `POST /api/v1/users/{id}/tokens`) or a configured
/// operator token. Each act is decided by `Access` on the caller's roles and scope; an
/// object outside the scope is answered 404 exactly as one that does not exist.
///
/// - `GET /api/v1/me`: who the token stands for.
/// - `GET|POST /api/v1/organisations`, `GET|PATCH /api/v1/organisations/{id}`.
/// - `GET|POST /api/v1/users`, `GET|PATCH /api/v1/users/{id}`, `GET|POST /api/v1/users/{id}/tokens`,
///   `DELETE /api/v1/tokens/{id}` (revoke).
/// - `GET|POST /api/v1/systems`, `GET /api/v1/systems/{name}`, `POST /api/v1/systems/{name}/certificate`
///   (the supplier's self-service certificate change).
/// - `GET|POST /api/v1/agreements`, `GET /api/v1/agreements/{uuid}`,
///   `POST /api/v1/agreements/{uuid}/approve|reject|terminate`.
/// - `GET /api/v1/usage?month=YYYY-MM&agreement=UUID&municipality=CODE`.
/// - `GET /api/v1/notices?limit=N`: the notice outbox of the caller's organisation (all, for operators).
extension AdminAPI {
    func addAdministrationRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/me") { _, context in
            let p = try principal(context)
            struct Me: Encodable {
                var actor: String
                var user: Int64?
                var organisation: Organisation
                var roles: [Role]
            }
            return try JSONBody.response(Me(actor: p.actor, user: p.userId, organisation: p.organisation, roles: p.roles.sorted()))
        }
        addOrganisationRoutes(api)
        addUserRoutes(api)
        addSystemRoutes(api)
        addAgreementRoutes(api)
    }

    /// The principal the authentication middleware found (always set behind it).
    func principal(_ context: AdminRequestContext) throws -> Principal {
        guard let p = context.principal else {
            throw APIProblem(.unauthorized, "missing-token", "send a token as 'Authorization: Bearer TOKEN'")
        }
        return p
    }

    /// Runs an act on the executor and answers its refusal in HTTP terms.
    func act<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do { return try await blocking(body) } catch let e as AdministrationError {
            let status: HTTPResponse.Status = switch e.kind {
            case .invalid: .badRequest
            case .notFound: .notFound
            case .forbidden: .forbidden
            case .conflict: .conflict
            }
            throw APIProblem(status, e.code, e.message)
        }
    }

    func decodeBody<T: Decodable>(_ request: Request, _ type: T.Type, example: String) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        return try RequestBodies.decode(type, from: body, example: example)
    }

    private func addOrganisationRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/organisations") { _, context in
            let p = try principal(context)
            struct Page: Encodable { var organisations: [Organisation] }
            return try JSONBody.response(Page(organisations: try await act { try desk.organisations(p) }))
        }
        api.post("/organisations") { request, context in
            let p = try principal(context)
            let body = try await decodeBody(request, AdministrationDesk.NewOrganisation.self,
                                            example: #"{"kind": "supplier", "cvr": "12345678", "name": "Systemhuset A/S", "notice_address": "drift@systemhuset.dk"}"#)
            let o = try await act { try desk.createOrganisation(p, body) }
            return try JSONBody.response(o, status: .created, headers: [.location: "/api/v1/organisations/\(o.id)"])
        }
        api.get("/organisations/:id") { _, context in
            let p = try principal(context)
            let id = context.parameters.get("id") ?? ""
            return try JSONBody.response(try await act { try desk.organisation(p, id: id) })
        }
        api.patch("/organisations/:id") { request, context in
            let p = try principal(context)
            let id = context.parameters.get("id") ?? ""
            let body = try await decodeBody(request, AdministrationDesk.OrganisationChange.self,
                                            example: #"{"notice_address": "it@kommune.dk", "ceiling_lookups": 100000}"#)
            return try JSONBody.response(try await act { try desk.changeOrganisation(p, id: id, body) })
        }
        api.get("/notices") { request, context in
            let p = try principal(context)
            let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? 100
            guard (1...1000).contains(limit) else { throw APIProblem(.badRequest, "invalid-limit", "limit must be 1...1000") }
            struct Page: Encodable { var notices: [Notice] }
            let notices = try await act { try store.notices(organisation: p.isOperator ? nil : p.organisation.id, limit: limit) }
            return try JSONBody.response(Page(notices: notices))
        }
    }

    private func addUserRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/users") { request, context in
            let p = try principal(context)
            let organisation = request.uri.queryParameters["organisation"].map(String.init)
            struct Page: Encodable { var users: [User] }
            return try JSONBody.response(Page(users: try await act { try desk.users(p, organisation: organisation) }))
        }
        api.post("/users") { request, context in
            let p = try principal(context)
            let body = try await decodeBody(request, AdministrationDesk.NewUser.self,
                                            example: #"{"organisation": "kommune:0101", "name": "Karen Holm", "email": "kh@kk.dk", "roles": ["signatory"]}"#)
            let u = try await act { try desk.createUser(p, body) }
            return try JSONBody.response(u, status: .created, headers: [.location: "/api/v1/users/\(u.id ?? 0)"])
        }
        api.get("/users/:id") { _, context in
            let p = try principal(context)
            let id = try userID(context)
            return try JSONBody.response(try await act { try desk.user(p, id: id) })
        }
        api.patch("/users/:id") { request, context in
            let p = try principal(context)
            let id = try userID(context)
            let body = try await decodeBody(request, AdministrationDesk.UserChange.self, example: #"{"roles": ["user", "admin"]} or {"disabled": true}"#)
            return try JSONBody.response(try await act { try desk.changeUser(p, id: id, body) })
        }
        api.get("/users/:id/tokens") { _, context in
            let p = try principal(context)
            let id = try userID(context)
            struct Page: Encodable { var tokens: [TokenView] }
            return try JSONBody.response(Page(tokens: try await act { try desk.tokens(p, user: id) }.map(TokenView.init)))
        }
        api.post("/users/:id/tokens") { request, context in
            let p = try principal(context)
            let id = try userID(context)
            struct Options: Decodable {
                var name: String?
                var expiresInDays: Int?
                enum CodingKeys: String, CodingKey { case name; case expiresInDays = "expires_in_days" }
            }
            var options = Options()
            var mutable = request
            let body = try await mutable.collectBody(upTo: 16 * 1024)
            if body.readableBytes > 0 {
                options = try RequestBodies.decode(Options.self, from: body, example: #"{"name": "esdh-script", "expires_in_days": 90} (or no body)"#)
            }
            let chosen = options
            let (token, secret) = try await act { try desk.createToken(p, user: id, name: chosen.name, days: chosen.expiresInDays) }
            var view = TokenView(token)
            view.token = secret
            return try JSONBody.response(view, status: .created)
        }
        api.delete("/tokens/:id") { _, context in
            let p = try principal(context)
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw APIProblem(.badRequest, "invalid-token-id", "the token id must be a whole number")
            }
            return try JSONBody.response(TokenView(try await act { try desk.revokeToken(p, id: id) }))
        }
    }

    func userID(_ context: AdminRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw APIProblem(.badRequest, "invalid-user-id", "the user id must be a whole number")
        }
        return id
    }

    /// A token as shown: never its digest; its text only in the answer that made it.
    struct TokenView: Encodable, Sendable {
        var id: Int64?
        var user: Int64
        var name: String
        var prefix: String
        var createdAt: Date
        var expiresAt: Date?
        var revokedAt: Date?
        var lastUsedAt: Date?
        var token: String?

        init(_ t: APITokenRecord) {
            id = t.id
            user = t.userId
            name = t.name
            prefix = t.prefix
            createdAt = t.createdAt
            expiresAt = t.expiresAt
            revokedAt = t.revokedAt
            lastUsedAt = t.lastUsedAt
        }

        enum CodingKeys: String, CodingKey {
            case id, user, name, prefix, token
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case revokedAt = "revoked_at"
            case lastUsedAt = "last_used_at"
        }
    }

    private func addSystemRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/systems") { _, context in
            let p = try principal(context)
            struct Page: Encodable { var systems: [SystemView] }
            return try JSONBody.response(Page(systems: try await act { try desk.systems(p) }))
        }
        api.post("/systems") { request, context in
            let p = try principal(context)
            let body = try await decodeBody(request, AdministrationDesk.NewSystem.self, example: #"""
                {"name": "esdh-x", "certificate": {"subject": "CN=esdh-x,O=Systemhuset"}, "sftp": {"host": "sftp.example.dk", "port": 22, "user": "esdhx", "inbox": "IN", "host_key_fingerprints": ["SHA256:..."]}, "notice_address": "drift@systemhuset.dk", "trial": false}
                """#)
            let s = try await act { try desk.registerSystem(p, body) }
            return try JSONBody.response(s, status: .created, headers: [.location: "/api/v1/systems/\(s.name)"])
        }
        // Self-service (ADM, no BestillingsID): the supplier replaces its system's gateway
        // certificate; the old one stays accepted for the overlap (an `ssl-certificate`
        // change order, with its receipts, verification, rollback and incident).
        api.post("/systems/:name/certificate") { request, context in
            let p = try principal(context)
            let name = context.parameters.get("name") ?? ""
            struct Body: Decodable { var certificate: String; var overlap: String?; var at: String?; var reason: String? }
            let body = try await decodeBody(request, Body.self,
                                            example: #"{"certificate": "-----BEGIN CERTIFICATE-----\n...", "overlap": "7d", "reason": "yearly renewal"}"#)
            try await act { try desk.authorizeSystemChange(p, name: name) }
            var at: Date?
            if let text = body.at {
                switch RequestedTime.read(text) {
                case .success(let parsed): at = parsed
                case .failure(let problem): throw APIProblem(.badRequest, "invalid-time", "at: \(problem)")
                }
            }
            return try await submit(ChangeSubmission(system: name, kind: .sslCertificate, orderRef: nil, at: at, reason: body.reason ?? "",
                                                     submittedBy: p.actor,
                                                     request: ChangeRequest(overlap: body.overlap, certificate: body.certificate)))
        }
        api.get("/systems/:name") { _, context in
            let p = try principal(context)
            let name = context.parameters.get("name") ?? ""
            return try JSONBody.response(try await act { try desk.system(p, name: name) })
        }
    }

    private func addAgreementRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/agreements") { request, context in
            let p = try principal(context)
            let query = request.uri.queryParameters
            var state: AgreementState?
            if let text = query["state"].map(String.init) {
                guard let s = AgreementState(rawValue: text) else {
                    throw APIProblem(.badRequest, "invalid-state", "state must be one of \(AgreementState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = s
            }
            let (system, municipality, chosen) = (query["system"].map(String.init), query["municipality"].map(String.init), state)
            struct Page: Encodable { var agreements: [AgreementView] }
            return try JSONBody.response(Page(agreements: try await act {
                try desk.agreements(p, system: system, municipality: municipality, state: chosen)
            }))
        }
        api.post("/agreements") { request, context in
            let p = try principal(context)
            let body = try await decodeBody(request, AdministrationDesk.AgreementRequest.self,
                                            example: #"{"system": "esdh-x", "services": ["cpr-extract"], "municipalities": ["0101"], "note": "..."}"#)
            struct Page: Encodable { var agreements: [AgreementView] }
            return try JSONBody.response(Page(agreements: try await act { try desk.requestAgreements(p, body) }), status: .created)
        }
        api.get("/agreements/:uuid") { _, context in
            let p = try principal(context)
            let uuid = context.parameters.get("uuid") ?? ""
            return try JSONBody.response(try await act { try desk.agreement(p, uuid: uuid) })
        }
        struct Decision: Decodable {
            var note: String?
            var reason: String?
        }
        api.post("/agreements/:uuid/approve") { request, context in
            let p = try principal(context)
            let uuid = context.parameters.get("uuid") ?? ""
            let decision = try await optionalBody(request, Decision.self, example: #"{"note": "approved by the board 2026-12-01"} (or no body)"#)
            struct Answer: Encodable {
                var agreement: AgreementView
                var callInformation: CallInformation
                enum CodingKeys: String, CodingKey { case agreement; case callInformation = "call_information" }
            }
            let (agreement, info) = try await act { try desk.approve(p, uuid: uuid, note: decision?.note) }
            return try JSONBody.response(Answer(agreement: agreement, callInformation: info))
        }
        api.post("/agreements/:uuid/reject") { request, context in
            let p = try principal(context)
            let uuid = context.parameters.get("uuid") ?? ""
            let decision = try await optionalBody(request, Decision.self, example: #"{"reason": "the municipality uses another system for this"}"#)
            return try JSONBody.response(try await act { try desk.reject(p, uuid: uuid, reason: decision?.reason) })
        }
        api.post("/agreements/:uuid/terminate") { request, context in
            let p = try principal(context)
            let uuid = context.parameters.get("uuid") ?? ""
            let decision = try await optionalBody(request, Decision.self, example: #"{"reason": "the system is retired"}"#)
            return try JSONBody.response(try await act { try desk.terminate(p, uuid: uuid, reason: decision?.reason) })
        }
        api.get("/usage") { request, context in
            let p = try principal(context)
            let query = request.uri.queryParameters
            let (month, agreement, municipality) = (query["month"].map(String.init), query["agreement"].map(String.init),
                                                    query["municipality"].map(String.init))
            return try JSONBody.response(try await act { try desk.usage(p, month: month, agreement: agreement, municipality: municipality) })
        }
    }

    func optionalBody<T: Decodable>(_ request: Request, _ type: T.Type, example: String) async throws -> T? {
        var request = request
        let body = try await request.collectBody(upTo: 16 * 1024)
        guard body.readableBytes > 0 else { return nil }
        return try RequestBodies.decode(type, from: body, example: example)
    }
}
