import AdminAPI
import Administration
import BusinessCalendar
import Extracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Runtime
import Store
import Testing
import UdtraekConfig
import UdtraekTesting

/// The administration module through the real HTTP API on loopback: organisations, users
/// and tokens, system registration, the agreement lifecycle, usage; and the role x act x
/// scope matrix, each case checking the answer and that nothing changed.
@Suite(.serialized) struct AdministrationAPITests {
    static let operatorToken = "0123456789abcdef0123456789abcdef"

    /// A state with two suppliers, two municipalities and their users, supplier A's
    /// configured system `esdh-a` with an extract waiting for an agreement, and (unless
    /// `withAgreements` is false) two agreements requested by supplier A and a system
    /// registered by supplier B.
    final class Fixture: Sendable {
        let directory: String
        let store: Store
        let runner: ExtractRunner
        let desk: AdministrationDesk
        let api: AdminAPI
        let tokens: [String: String]
        let users: [String: Int64]
        let tokenIDs: [String: Int64]
        let requestedKBH: String?
        let requestedAarhus: String?

        init(withAgreements: Bool = true) throws {
            directory = NSTemporaryDirectory() + "udtraek-admin-\(UUID().uuidString)"
            store = try Store(stateDirectory: directory)
            let text = AdministrationAPITests.configuration()
            let file = try ConfigurationFile.parse(text, path: "admin.yaml")
            try file.apply(to: store, actor: "test")
            runner = ExtractRunner(store: store, stateDirectory: directory)
            desk = AdministrationDesk(store: store, keyDirectory: directory + "/keys/registered")
            let operatorTokens = try OperatorTokens(try store.apiSettings().tokens, environment: ["OPS_TOKEN": AdministrationAPITests.operatorToken])
            api = AdminAPI(store: store, runner: runner, tokens: operatorTokens, desk: desk)

            let ops = Principal.platformOperator(actor: "test-setup")
            _ = try desk.createOrganisation(ops, .init(kind: .supplier, name: "Systemhuset A", cvr: "11111111", noticeAddress: "drift@a.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .supplier, name: "Leverandør B", cvr: "22222222", noticeAddress: "drift@b.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .municipality, municipality: "0101", noticeAddress: "it@kk.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .municipality, municipality: "0751", noticeAddress: "it@aarhus.dk"))
            let people: [(String, String, [String])] = [
                ("opUser", "platform", ["operator"]),
                ("aAdmin", "cvr:11111111", ["admin"]), ("aUser", "cvr:11111111", ["user"]), ("bUser", "cvr:22222222", ["user", "admin"]),
                ("kbhSignatory", "kommune:0101", ["signatory"]), ("kbhUser", "kommune:0101", ["user"]), ("kbhAdmin", "kommune:0101", ["admin"]),
                ("aarhusSignatory", "kommune:0751", ["signatory"]), ("aarhusUser", "kommune:0751", ["user"]),
            ]
            var tokens: [String: String] = ["ops": AdministrationAPITests.operatorToken]
            var users: [String: Int64] = [:]
            var tokenIDs: [String: Int64] = [:]
            for (key, org, roles) in people {
                let user = try desk.createUser(ops, .init(organisation: org, name: key, email: "\(key.lowercased())@example.dk", roles: roles))
                let (record, secret) = try desk.createToken(ops, user: user.id ?? 0, name: "test", days: 30)
                users[key] = user.id
                tokens[key] = secret
                tokenIDs[key] = record.id
            }
            self.tokens = tokens
            self.users = users
            self.tokenIDs = tokenIDs
            if withAgreements {
                let aUser = try #require(try desk.signIn(token: tokens["aUser"] ?? ""))
                requestedKBH = try desk.requestAgreements(aUser, .init(system: "esdh-a", services: ["cpr-extract"], municipalities: ["0101"])).first?.uuid
                requestedAarhus = try desk.requestAgreements(aUser, .init(system: "esdh-a", services: ["cpr-lookup"], municipalities: ["0751"])).first?.uuid
                let bUser = try #require(try desk.signIn(token: tokens["bUser"] ?? ""))
                _ = try desk.registerSystem(bUser, .init(
                    name: "reg-b", certificate: .init(subject: "CN=reg-b,O=B"),
                    sftp: .init(host: "127.0.0.1", port: 2200, user: "regb", inbox: "IN", hostKeyFingerprints: ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"])))
            } else {
                requestedKBH = nil
                requestedAarhus = nil
            }
        }

        func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            try await api.application(host: "127.0.0.1", port: 0).test(.live, body)
        }

        func auth(_ who: String) -> HTTPFields { [.authorization: "Bearer \(tokens[who] ?? "none")"] }

        /// Everything an administrative act could change, as text; the tokens' last use
        /// is left out, since reading with a token notes it.
        func state() throws -> String {
            let config = try store.configuration()
            var lines = config.agreements.map { "agreement \($0.uuid) \($0.state.rawValue) \($0.origin.rawValue)" }
            lines += config.systems.map { "system \($0.name) \($0.origin.rawValue) \($0.supplier ?? "-")" }
            lines += config.registrations.map { "registration \($0.system) \($0.supplier)" }
            lines += try store.organisations().map { "organisation \($0.id) \($0.noticeAddress ?? "-") \($0.ceilingLookups ?? -1) \($0.ceilingBytes ?? -1)" }
            for u in try store.users() {
                lines.append("user \(u.id ?? 0) \(u.organisation) \(u.roles) \(u.disabledAt == nil)")
                lines += try store.tokens(user: u.id ?? 0).map { "token \($0.id ?? 0) \($0.revokedAt == nil) \($0.expiresAt?.description ?? "-")" }
            }
            lines += try config.agreements.map { "history \($0.uuid) \(try store.agreementEvents(uuid: $0.uuid).count)" }
            lines.append("notices \(try store.notices(limit: 100_000).count)")
            lines.append("audit \(try store.auditLog(limit: 100_000).count)")
            lines.append("runs \(try store.runs(extract: nil, limit: 1000).count)")
            return lines.joined(separator: "\n")
        }

        func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Two municipalities, supplier A's system `esdh-a` and an extract for it; `agreements`
    /// (a YAML section) is added as it is.
    static func configuration(agreements: String = "") -> String {
        """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 2000 } }
        municipalities:
          - { code: "0101", name: København, uuid: 3f1c52a4-7e36-4c1b-9d8e-0a1b2c3d4e5f }
          - { code: "0751", name: Aarhus, uuid: 9b2d41c7-5a18-4e3f-8c6d-1e2f3a4b5c6d }
        systems:
          - name: esdh-a
            uuid: 5d0e2c4a-1b3f-4a6d-8e9c-7f1a2b3c4d5e
            supplier: "cvr:11111111"
            inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        \(agreements)
        extracts:
          - { name: a-status, source: cpr, kind: status, system: esdh-a, municipality: "0101" }
        api:
          listen: 127.0.0.1:8480
          tokens: [{ name: ops, env: OPS_TOKEN }]
        """
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    static func body(_ object: Any) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    // MARK: The issue's flow

    /// A supplier's token requests an agreement; the municipality's signatory approves it;
    /// an extract for it runs. The same approval with a municipality user's token, another
    /// municipality's signatory and the supplier's own token each fails and changes nothing.
    @Test func aSupplierRequestsTheSignatoryApprovesAndTheExtractRuns() async throws {
        let f = try Fixture(withAgreements: false)
        defer { f.tearDown() }
        // No agreement yet: the extract is refused.
        #expect(throws: ExtractError.self) { try f.runner.run("a-status") }
        try await f.test { client in
            let requested = try await client.execute(
                uri: "/api/v1/agreements", method: .post, headers: f.auth("aUser"),
                body: try Self.body(["system": "esdh-a", "services": ["cpr-extract"], "municipalities": ["0101"], "note": "for the ESDH go-live"]))
            #expect(requested.status == .created)
            let agreements = try #require(try Self.json(requested)["agreements"] as? [[String: Any]])
            let uuid = try #require(agreements.first?["uuid"] as? String)
            #expect(agreements.count == 1 && agreements.first?["state"] as? String == "requested" && agreements.first?["supplier"] as? String == "cvr:11111111")
            // The municipality was told.
            let notices = try f.store.notices(organisation: "kommune:0101")
            #expect(notices.count == 1 && notices.first?.address == "it@kk.dk" && notices.first?.body.contains(uuid) == true)

            for (who, status) in [("kbhUser", HTTPResponse.Status.forbidden), ("aarhusSignatory", .notFound), ("aUser", .forbidden)] {
                let before = try f.state()
                let refused = try await client.execute(uri: "/api/v1/agreements/\(uuid)/approve", method: .post, headers: f.auth(who))
                #expect(refused.status == status, "\(who)")
                #expect(try f.state() == before, "\(who)'s refused approval changed something")
                if status == .notFound {
                    // Answered exactly as an agreement that does not exist.
                    let missing = try await client.execute(uri: "/api/v1/agreements/\(UUID().uuidString.lowercased())/approve", method: .post, headers: f.auth(who))
                    let a = try Self.json(refused)["error"] as? [String: Any], b = try Self.json(missing)["error"] as? [String: Any]
                    #expect(a?["code"] as? String == b?["code"] as? String)
                }
            }
            #expect(try f.store.approvedAgreement(system: "esdh-a", municipality: "0101", service: "cpr-extract") == nil)

            let approved = try await client.execute(uri: "/api/v1/agreements/\(uuid)/approve", method: .post, headers: f.auth("kbhSignatory"),
                                                    body: try Self.body(["note": "byrådet 2026-12-01"]))
            #expect(approved.status == .ok)
            let answer = try Self.json(approved)
            let info = try #require(answer["call_information"] as? [String: Any])
            #expect(info["agreement_uuid"] as? String == uuid)
            #expect(info["service_uuid"] as? String == ServiceCatalog.service(key: "cpr-extract")?.uuid)
            #expect(info["sftp_inbox"] as? String == "sftp://u@127.0.0.1:2222/IN")
            #expect(info["municipality_uuid"] as? String == "3f1c52a4-7e36-4c1b-9d8e-0a1b2c3d4e5f")
            // The supplier received the call information.
            let supplierNotice = try #require(try f.store.notices(organisation: "cvr:11111111").first)
            #expect(supplierNotice.kind == "agreement.approved" && supplierNotice.body.contains("ServiceAgreementUUID: \(uuid)"))
            // Approving twice is a conflict that says why.
            let again = try await client.execute(uri: "/api/v1/agreements/\(uuid)/approve", method: .post, headers: f.auth("kbhSignatory"))
            #expect(again.status == .conflict && String(buffer: again.body).contains("is approved"))

            // The extract now runs under it.
            let run = try f.runner.run("a-status")
            #expect(run.state == .produced)
            let history = try await client.execute(uri: "/api/v1/agreements/\(uuid)", method: .get, headers: f.auth("aUser"))
            let events = try #require(try Self.json(history)["history"] as? [[String: Any]])
            #expect(events.compactMap { $0["event"] as? String } == ["requested", "approved", "in-force"])

            // Usage counts the file.
            let usage = try await client.execute(uri: "/api/v1/usage?agreement=\(uuid)", method: .get, headers: f.auth("kbhUser"))
            let rows = try #require(try Self.json(usage)["usage"] as? [[String: Any]])
            #expect(rows.count == 1 && rows.first?["extract_files"] as? Int == 1 && (rows.first?["extract_bytes"] as? Int ?? 0) > 0)

            // Terminated by the supplier: the next run is refused.
            let terminated = try await client.execute(uri: "/api/v1/agreements/\(uuid)/terminate", method: .post, headers: f.auth("aAdmin"),
                                                      body: try Self.body(["reason": "system retired"]))
            #expect(try terminated.status == .ok && (Self.json(terminated)["state"] as? String) == "terminated")
            #expect(throws: ExtractError.self) { try f.runner.run("a-status", rerun: true) }
            #expect(try f.store.notices(organisation: "kommune:0101").first?.kind == "agreement.terminated")
        }
    }

    @Test func aSignatoryRejectsWithAReasonTheSupplierReceives() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let uuid = try #require(f.requestedKBH)
        try await f.test { client in
            let rejected = try await client.execute(uri: "/api/v1/agreements/\(uuid)/reject", method: .post, headers: f.auth("kbhSignatory"),
                                                    body: try Self.body(["reason": "we use another system"]))
            #expect(try rejected.status == .ok && (Self.json(rejected)["state"] as? String) == "rejected")
            let notice = try #require(try f.store.notices(organisation: "cvr:11111111").first)
            #expect(notice.kind == "agreement.rejected" && notice.body.contains("we use another system") && notice.address == "drift@a.dk")
            let terminate = try await client.execute(uri: "/api/v1/agreements/\(uuid)/terminate", method: .post, headers: f.auth("aUser"),
                                                     body: try Self.body(["reason": "x"]))
            #expect(terminate.status == .conflict)
            // A new request is possible after a rejection.
            let again = try await client.execute(uri: "/api/v1/agreements", method: .post, headers: f.auth("aUser"),
                                                 body: try Self.body(["system": "esdh-a", "services": ["cpr-extract"], "municipalities": ["0101"]]))
            #expect(again.status == .created)
        }
    }

    // MARK: Users, tokens, systems

    @Test func tokensAreShownOnceStoredHashedAndStopWorkingWhenRevoked() async throws {
        let f = try Fixture(withAgreements: false)
        defer { f.tearDown() }
        let kbhUser = try #require(f.users["kbhUser"])
        try await f.test { client in
            let made = try await client.execute(uri: "/api/v1/users/\(kbhUser)/tokens", method: .post, headers: f.auth("kbhUser"),
                                                body: try Self.body(["name": "script", "expires_in_days": 7]))
            #expect(made.status == .created)
            let answer = try Self.json(made)
            let secret = try #require(answer["token"] as? String)
            let id = try #require(answer["id"] as? Int)
            #expect(TokenSecret.looksPersonal(secret) && answer["expires_at"] is String)
            // Never stored in clear, never listed.
            let database = try Data(contentsOf: URL(fileURLWithPath: f.store.path))
            #expect(database.range(of: Data(secret.utf8)) == nil)
            let listed = try await client.execute(uri: "/api/v1/users/\(kbhUser)/tokens", method: .get, headers: f.auth("kbhUser"))
            #expect(!String(buffer: listed.body).contains(secret) && !String(buffer: listed.body).contains(TokenSecret.digest(secret)))

            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(try me.status == .ok && (Self.json(me)["roles"] as? [String]) == ["user"])
            let revoked = try await client.execute(uri: "/api/v1/tokens/\(id)", method: .delete, headers: f.auth("kbhAdmin"))
            #expect(try revoked.status == .ok && (Self.json(revoked)["revoked_at"]) is String)
            let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(secret)"])
            #expect(after.status == .unauthorized)

            // A disabled user's tokens stop working too.
            let disabled = try await client.execute(uri: "/api/v1/users/\(kbhUser)", method: .patch, headers: f.auth("kbhAdmin"),
                                                    body: try Self.body(["disabled": true]))
            #expect(disabled.status == .ok)
            let blocked = try await client.execute(uri: "/api/v1/me", method: .get, headers: f.auth("kbhUser"))
            #expect(blocked.status == .unauthorized)
        }
        // An expired token is refused.
        let expired = TokenSecret.generate()
        _ = try f.store.createToken(APITokenRecord(userId: try #require(f.users["kbhSignatory"]), name: "old", digest: TokenSecret.digest(expired),
                                                   prefix: TokenSecret.displayPrefix(expired), createdAt: Date(timeIntervalSinceNow: -86_400 * 10),
                                                   expiresAt: Date(timeIntervalSinceNow: -60)),
                                    record: AdministrativeRecord(audit: []))
        try await f.test { client in
            let response = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(expired)"])
            #expect(response.status == .unauthorized)
        }
    }

    @Test func aSupplierRegistersASystemAndReceivesTheKeyToAuthorise() async throws {
        let f = try Fixture(withAgreements: false)
        defer { f.tearDown() }
        try await f.test { client in
            let registration: [String: Any] = [
                "name": "esdh-b", "description": "B's ESDH",
                "certificate": ["subject": "CN=esdh-b,O=Leverandør B", "serial": "01AF"],
                "sftp": ["host": "127.0.0.1", "port": 2201, "user": "esdhb", "inbox": "IN",
                         "host_key_fingerprints": ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"]],
                "notice_address": "esdh@b.dk",
            ]
            let made = try await client.execute(uri: "/api/v1/systems", method: .post, headers: f.auth("bUser"), body: try Self.body(registration))
            #expect(made.status == .created)
            let system = try Self.json(made)
            #expect((system["public_key"] as? String)?.hasPrefix("ssh-ed25519 ") == true)
            #expect(system["supplier"] as? String == "cvr:22222222" && system["origin"] as? String == "admin")
            let key = f.directory + "/keys/registered/esdh-b_ed25519"
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0)
            // The same name again is a conflict, and another supplier does not see it.
            let twice = try await client.execute(uri: "/api/v1/systems", method: .post, headers: f.auth("bUser"), body: try Self.body(registration))
            #expect(twice.status == .conflict)
            let hidden = try await client.execute(uri: "/api/v1/systems/esdh-b", method: .get, headers: f.auth("aUser"))
            #expect(hidden.status == .notFound)
            // Every problem of a bad registration at once, and nothing written.
            let before = try f.state()
            let bad = try await client.execute(uri: "/api/v1/systems", method: .post, headers: f.auth("bUser"), body: try Self.body([
                "name": "Bad Name", "sftp": ["host": "a b", "port": 0, "user": "", "inbox": "../x", "host_key_fingerprints": []],
                "notice_address": "nope",
            ] as [String: Any]))
            #expect(bad.status == .badRequest)
            let message = try #require((try Self.json(bad)["error"] as? [String: Any])?["message"] as? String)
            for words in ["name", "sftp.host", "sftp.port", "sftp.user", "sftp.inbox", "host_key_fingerprints", "certificate", "notice_address"] {
                #expect(message.contains(words), "\(words) in \(message)")
            }
            #expect(try f.state() == before)
        }
        // The configuration file cannot redefine a registered system.
        let clash = try ConfigurationFile.parse("""
            municipalities: [{ code: "0101", name: København }]
            systems:
              - name: esdh-b
                inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
            """, path: "clash.yaml")
        #expect(throws: StoreError.self) { try clash.apply(to: f.store, actor: "test") }
        #expect(try f.store.system(named: "esdh-b")?.origin == .admin)
        // The gateway accepts its certificate at once, and a later apply of the file keeps it.
        let registered = SystemCertificate(system: "esdh-b", subject: "CN=esdh-b,O=Leverandør B", fingerprint: nil, serial: "01AF")
        #expect(try f.store.configuration().gateway.certificates.contains(registered))
        try ConfigurationFile.parse(Self.configuration(agreements: """
            agreements:
              - { uuid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f, system: esdh-a, municipality: "0751", service: kle-extract, state: requested }
            """), path: "again.yaml").apply(to: f.store, actor: "test")
        #expect(try f.store.configuration().gateway.certificates.contains(registered))
        #expect(try !f.store.configuration().configOwned.gateway.certificates.contains { $0.system == "esdh-b" })
    }

    /// The supplier replaces its registered system's gateway certificate itself: an
    /// `ssl-certificate` change order with no BestillingsID, the old one kept for the overlap.
    @Test func aSupplierChangesItsSystemsCertificateAsSelfService() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let now = Date()
        let ca = try TestCertificates.authority(commonName: "test CA", notBefore: now.addingTimeInterval(-3600), notAfter: now.addingTimeInterval(800 * 86_400))
        let issued = try TestCertificates.client(commonName: "reg-b-2027", organisation: "B", notBefore: now.addingTimeInterval(-3600),
                                                 notAfter: now.addingTimeInterval(400 * 86_400),
                                                 caCertificatePEM: ca.certificatePEM, caKeyPEM: ca.privateKeyPEM)
        try await f.test { client in
            let submitted = try await client.execute(uri: "/api/v1/systems/reg-b/certificate", method: .post, headers: f.auth("bUser"),
                                                     body: try Self.body(["certificate": issued.certificatePEM, "overlap": "7d", "reason": "renewal"]))
            #expect(submitted.status == .created, "\(String(buffer: submitted.body))")
            let order = try #require(try Self.json(submitted)["order"] as? [String: Any])
            #expect(order["kind"] as? String == "ssl-certificate" && order["order_ref"] == nil)
            #expect((order["submitted_by"] as? String)?.contains("bUser") == true)
        }
    }

    @Test func configurationApplyKeepsTheModulesAgreementsAndRecordsSeededApprovals() throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let text = Self.configuration(agreements: """
            agreements:
              - { uuid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f, system: esdh-a, municipality: "0751", service: kle-extract, state: approved }
            """)
        let diff = try ConfigurationFile.parse(text, path: "seed.yaml").apply(to: f.store, actor: "cli:karen")
        // Only the file's own agreement shows in the difference; the requested ones stay.
        #expect(diff.changes.map(\.description).joined().contains("1c2d3e4f") && !diff.changes.map(\.description).joined().contains(f.requestedKBH ?? "?"))
        let agreements = try f.store.configuration().agreements
        #expect(agreements.contains { $0.uuid == f.requestedKBH && $0.state == .requested })
        #expect(agreements.contains { $0.uuid == f.requestedAarhus })
        let seeded = try #require(try f.store.auditLog(action: "agreement.seeded").first)
        #expect(seeded.actor == "cli:karen" && seeded.subject == "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f" && seeded.detail.contains("not by the municipality's signatory"))
        #expect(try f.store.agreementEvents(uuid: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f").map(\.event) == ["seeded"])
        // Export writes only the file's own part.
        let exported = ConfigurationExport.yaml(try f.store.configuration().configOwned)
        #expect(!exported.contains(f.requestedKBH ?? "?") && !exported.contains("reg-b") && exported.contains("supplier: \"cvr:11111111\""))
        // Removing the system from the file while the module holds an open agreement for it is refused.
        let removing = try ConfigurationFile.parse("""
            municipalities: [{ code: "0101", name: København }, { code: "0751", name: Aarhus }]
            """, path: "empty.yaml")
        #expect(throws: StoreError.self) { try removing.apply(to: f.store, actor: "test") }
        #expect(try f.store.system(named: "esdh-a") != nil)
    }

    @Test func listsShowOnlyWhatIsInScope() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            func agreements(_ who: String) async throws -> Set<String> {
                let r = try await client.execute(uri: "/api/v1/agreements", method: .get, headers: f.auth(who))
                return Set(try #require(try Self.json(r)["agreements"] as? [[String: Any]]).compactMap { $0["uuid"] as? String })
            }
            let both: Set<String> = [try #require(f.requestedKBH), try #require(f.requestedAarhus)]
            #expect(try await agreements("aUser") == both)
            #expect(try await agreements("ops") == both)
            #expect(try await agreements("kbhSignatory") == [f.requestedKBH ?? ""])
            #expect(try await agreements("aarhusUser") == [f.requestedAarhus ?? ""])
            #expect(try await agreements("bUser").isEmpty)
            func names(_ who: String, _ path: String, _ key: String, _ field: String) async throws -> Set<String> {
                let r = try await client.execute(uri: path, method: .get, headers: f.auth(who))
                return Set(try #require(try Self.json(r)[key] as? [[String: Any]]).compactMap { $0[field] as? String })
            }
            #expect(try await names("bUser", "/api/v1/systems", "systems", "name") == ["reg-b"])
            #expect(try await names("kbhUser", "/api/v1/systems", "systems", "name") == ["esdh-a"])
            #expect(try await names("ops", "/api/v1/systems", "systems", "name") == ["esdh-a", "reg-b"])
            #expect(try await names("kbhUser", "/api/v1/organisations", "organisations", "id") == ["kommune:0101"])
            #expect(try await names("aAdmin", "/api/v1/users", "users", "organisation") == ["cvr:11111111"])
            #expect(try await names("ops", "/api/v1/organisations", "organisations", "id").count == 5)
        }
    }

    @Test func usageCountsLookupsAndACeilingNotifiesOnceAndBlocksNothing() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let uuid = try #require(f.requestedKBH)
        let now = Date()
        try f.store.recordGatewayCalls([200, 200, 403].enumerated().map { i, status in
            GatewayCall(at: now, requestID: "r\(i)", operation: "cpr.person", agreementUUID: uuid, status: status, outcome: "ok",
                        durationMs: 1, bytes: 10)
        })
        // Last month's call is not this month's use.
        try f.store.recordGatewayCalls([GatewayCall(at: now.addingTimeInterval(-40 * 86_400), requestID: "old", operation: "cpr.person",
                                                    agreementUUID: uuid, status: 200, outcome: "ok", durationMs: 1, bytes: 10)])
        try await f.test { client in
            let set = try await client.execute(uri: "/api/v1/organisations/kommune:0101", method: .patch, headers: f.auth("kbhAdmin"),
                                               body: try Self.body(["ceiling_lookups": 1]))
            #expect(set.status == .ok)
            let usage = try await client.execute(uri: "/api/v1/usage", method: .get, headers: f.auth("kbhSignatory"))
            let body = try Self.json(usage)
            let rows = try #require(body["usage"] as? [[String: Any]])
            #expect(rows.count == 1 && rows.first?["lookups"] as? Int == 2)
            let ceilings = try #require(body["ceilings"] as? [[String: Any]])
            #expect(ceilings.first?["exceeded"] as? Bool == true && ceilings.first?["ceiling_lookups"] as? Int == 1)
            // The supplier sees its agreements' use but not the municipality's ceiling.
            let supplier = try await client.execute(uri: "/api/v1/usage", method: .get, headers: f.auth("aUser"))
            #expect((try Self.json(supplier)["ceilings"] as? [Any])?.isEmpty == true)
        }
        #expect(try f.desk.noticeExceededCeilings().count == 1)
        #expect(try f.desk.noticeExceededCeilings().isEmpty)
        let notice = try #require(try f.store.notices(organisation: "kommune:0101").first)
        #expect(notice.kind == "usage.ceiling" && notice.address == "it@kk.dk")
    }

    // MARK: The matrix

    struct Case: Sendable, CustomStringConvertible {
        var who: String
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var status: HTTPResponse.Status
        var description: String { "\(who) \(method) \(path) -> \(status.code)" }
    }

    /// At least 40 role x act x scope cases; each checks its status and that the state
    /// is exactly what it was. Allowed reads are in it too: reading changes nothing either.
    @Test func roleActScopeMatrix() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let kbh = try #require(f.requestedKBH), aarhus = try #require(f.requestedAarhus)
        let id = { (who: String) in f.users[who] ?? 0 }
        let token = { (who: String) in f.tokenIDs[who] ?? 0 }
        let request = #"{"system": "esdh-a", "services": ["kle-extract"], "municipalities": ["0101"]}"#
        let system = #"{"name": "x", "certificate": {"subject": "CN=x"}, "sftp": {"host": "h", "port": 22, "user": "u", "inbox": "IN", "host_key_fingerprints": ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"]}}"#
        let reason = #"{"reason": "test"}"#
        let cases: [Case] = [
            // Approving and rejecting: the municipality's signatory only.
            Case(who: "kbhUser", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "kbhAdmin", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "aarhusSignatory", method: .post, path: "/agreements/\(kbh)/approve", status: .notFound),
            Case(who: "aUser", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "aAdmin", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "bUser", method: .post, path: "/agreements/\(kbh)/approve", status: .notFound),
            Case(who: "ops", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "opUser", method: .post, path: "/agreements/\(kbh)/approve", status: .forbidden),
            Case(who: "kbhSignatory", method: .post, path: "/agreements/\(aarhus)/approve", status: .notFound),
            Case(who: "kbhUser", method: .post, path: "/agreements/\(kbh)/reject", body: reason, status: .forbidden),
            Case(who: "aarhusSignatory", method: .post, path: "/agreements/\(kbh)/reject", body: reason, status: .notFound),
            Case(who: "aAdmin", method: .post, path: "/agreements/\(kbh)/reject", body: reason, status: .forbidden),
            Case(who: "kbhSignatory", method: .post, path: "/agreements/\(kbh)/reject", status: .badRequest),
            // Terminating: either side, not a municipality's plain user, not outsiders.
            Case(who: "kbhUser", method: .post, path: "/agreements/\(kbh)/terminate", body: reason, status: .forbidden),
            Case(who: "aarhusSignatory", method: .post, path: "/agreements/\(kbh)/terminate", body: reason, status: .notFound),
            Case(who: "bUser", method: .post, path: "/agreements/\(kbh)/terminate", body: reason, status: .notFound),
            Case(who: "aUser", method: .post, path: "/agreements/\(kbh)/terminate", status: .badRequest),
            // Reading an agreement.
            Case(who: "aarhusSignatory", method: .get, path: "/agreements/\(kbh)", status: .notFound),
            Case(who: "bUser", method: .get, path: "/agreements/\(kbh)", status: .notFound),
            Case(who: "kbhUser", method: .get, path: "/agreements/\(kbh)", status: .ok),
            Case(who: "aUser", method: .get, path: "/agreements/\(kbh)", status: .ok),
            Case(who: "ops", method: .get, path: "/agreements/\(kbh)", status: .ok),
            // Requesting: the system's supplier only.
            Case(who: "bUser", method: .post, path: "/agreements", body: request, status: .notFound),
            Case(who: "kbhAdmin", method: .post, path: "/agreements", body: request, status: .forbidden),
            Case(who: "ops", method: .post, path: "/agreements", body: request, status: .forbidden),
            Case(who: "aUser", method: .post, path: "/agreements", body: #"{"system": "esdh-a", "services": ["cpr-extract"], "municipalities": ["9999"]}"#, status: .badRequest),
            Case(who: "aUser", method: .post, path: "/agreements", body: #"{"system": "esdh-a", "services": ["cpr-extract"], "municipalities": ["0101"]}"#, status: .badRequest),
            // Systems.
            Case(who: "kbhAdmin", method: .post, path: "/systems", body: system, status: .forbidden),
            Case(who: "ops", method: .post, path: "/systems", body: system, status: .forbidden),
            Case(who: "aUser", method: .get, path: "/systems/reg-b", status: .notFound),
            Case(who: "kbhSignatory", method: .get, path: "/systems/reg-b", status: .notFound),
            Case(who: "kbhUser", method: .get, path: "/systems/esdh-a", status: .ok),
            Case(who: "aarhusUser", method: .get, path: "/systems/esdh-a", status: .ok),
            // Users and organisations.
            Case(who: "kbhUser", method: .post, path: "/users", body: #"{"organisation": "kommune:0101", "name": "X", "roles": ["signatory"]}"#, status: .forbidden),
            Case(who: "aarhusSignatory", method: .post, path: "/users", body: #"{"organisation": "kommune:0101", "name": "X", "roles": ["user"]}"#, status: .notFound),
            Case(who: "kbhAdmin", method: .post, path: "/users", body: #"{"organisation": "platform", "name": "X", "roles": ["operator"]}"#, status: .notFound),
            Case(who: "aAdmin", method: .post, path: "/users", body: #"{"organisation": "cvr:11111111", "name": "X", "roles": ["operator"]}"#, status: .badRequest),
            Case(who: "aAdmin", method: .post, path: "/users", body: #"{"organisation": "cvr:11111111", "name": "X", "roles": ["signatory"]}"#, status: .badRequest),
            Case(who: "kbhUser", method: .patch, path: "/users/\(id("kbhSignatory"))", body: #"{"roles": ["user"]}"#, status: .forbidden),
            Case(who: "kbhAdmin", method: .patch, path: "/users/\(id("kbhAdmin"))", body: #"{"disabled": true}"#, status: .badRequest),
            Case(who: "kbhAdmin", method: .post, path: "/organisations", body: #"{"kind": "supplier", "cvr": "33333333", "name": "C"}"#, status: .forbidden),
            Case(who: "aAdmin", method: .post, path: "/organisations", body: #"{"kind": "supplier", "cvr": "33333333", "name": "C"}"#, status: .forbidden),
            Case(who: "aUser", method: .get, path: "/organisations/cvr:22222222", status: .notFound),
            Case(who: "ops", method: .post, path: "/organisations", body: #"{"kind": "supplier", "cvr": "11111111", "name": "again"}"#, status: .conflict),
            Case(who: "ops", method: .post, path: "/organisations", body: #"{"kind": "municipality", "municipality": "0101"}"#, status: .conflict),
            Case(who: "bUser", method: .post, path: "/systems", body: #"{"name": "other", "uuid": "5d0e2c4a-1b3f-4a6d-8e9c-7f1a2b3c4d5e", "certificate": {"subject": "CN=x"}, "sftp": {"host": "h", "port": 22, "user": "u", "inbox": "IN", "host_key_fingerprints": ["SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE"]}}"#, status: .conflict),
            Case(who: "kbhUser", method: .patch, path: "/organisations/kommune:0101", body: #"{"ceiling_lookups": 10}"#, status: .forbidden),
            Case(who: "kbhAdmin", method: .patch, path: "/organisations/kommune:0751", body: #"{"ceiling_lookups": 10}"#, status: .notFound),
            // Tokens.
            Case(who: "bUser", method: .post, path: "/users/\(id("aUser"))/tokens", status: .notFound),
            Case(who: "kbhAdmin", method: .post, path: "/users/\(id("kbhSignatory"))/tokens", status: .forbidden),
            Case(who: "aarhusSignatory", method: .delete, path: "/tokens/\(token("kbhUser"))", status: .notFound),
            Case(who: "aUser", method: .delete, path: "/tokens/\(token("aAdmin"))", status: .forbidden),
            Case(who: "kbhUser", method: .get, path: "/users/\(id("kbhSignatory"))/tokens", status: .forbidden),
            // The operators' routes.
            Case(who: "kbhAdmin", method: .get, path: "/runs", status: .forbidden),
            Case(who: "aAdmin", method: .post, path: "/extracts/a-status/runs", status: .forbidden),
            Case(who: "kbhSignatory", method: .get, path: "/transfers", status: .forbidden),
            Case(who: "opUser", method: .get, path: "/runs", status: .ok),
            // A supplier's self-service certificate change.
            Case(who: "aUser", method: .post, path: "/systems/reg-b/certificate", body: #"{"certificate": "x"}"#, status: .notFound),
            Case(who: "kbhUser", method: .post, path: "/systems/esdh-a/certificate", body: #"{"certificate": "x"}"#, status: .forbidden),
            // Usage.
            Case(who: "aarhusSignatory", method: .get, path: "/usage?agreement=\(kbh)", status: .notFound),
            Case(who: "kbhUser", method: .get, path: "/usage?agreement=\(kbh)", status: .ok),
            Case(who: "aUser", method: .get, path: "/usage?month=2026-13", status: .badRequest),
            // Without a valid token.
            Case(who: "nobody", method: .get, path: "/agreements", status: .unauthorized),
        ]
        #expect(cases.count >= 40)
        try await f.test { client in
            for c in cases {
                let before = try f.state()
                let response = try await client.execute(uri: "/api/v1" + c.path, method: c.method, headers: f.auth(c.who),
                                                        body: c.body.map { ByteBuffer(string: $0) })
                #expect(response.status == c.status, "\(c): \(String(buffer: response.body))")
                #expect(try f.state() == before, "\(c) changed the state")
            }
        }
    }
}
