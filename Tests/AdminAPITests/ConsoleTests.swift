import AdminAPI
import Administration
import Extracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Runtime
import Store
import Testing
import UdtraekConfig

/// The operator console (issue 13) through the real admin listener on loopback: sign-in
/// and sign-out, sessions that expire on the injected clock, the form tokens, the scope of
/// a municipality's user, and acknowledging an alarm.
@Suite(.serialized) struct ConsoleTests {
    static let operatorToken = "fedcba9876543210fedcba9876543210"

    /// Two receiver systems: `esdh-a` (supplier A) with an agreement for København (0101)
    /// and `esdh-b` (supplier B) with one for Aarhus (0751). `esdh-a` has a file past its
    /// deadline with a critical alarm; `esdh-b` a warning alarm about its inbox.
    final class Fixture: Sendable {
        let directory: String
        let store: Store
        let clock: ManualClock
        let api: AdminAPI
        let tokens: [String: String]
        let alarmA: Int64
        let alarmB: Int64

        init() throws {
            directory = NSTemporaryDirectory() + "udtraek-console-\(UUID().uuidString)"
            store = try Store(stateDirectory: directory)
            clock = ManualClock(start: Date(timeIntervalSince1970: 1_795_000_000))
            try ConfigurationFile.parse(ConsoleTests.configuration, path: "console.yaml").apply(to: store, actor: "test")
            let desk = AdministrationDesk(store: store, clock: clock.clock, keyDirectory: directory + "/keys/registered")
            let operatorTokens = try OperatorTokens(try store.apiSettings().tokens, environment: ["OPS_TOKEN": ConsoleTests.operatorToken])
            api = AdminAPI(store: store, runner: ExtractRunner(store: store, stateDirectory: directory), tokens: operatorTokens,
                           clock: clock.clock, timeouts: ConsoleTests.patientTimeouts, desk: desk)

            let ops = Principal.platformOperator(actor: "test-setup")
            _ = try desk.createOrganisation(ops, .init(kind: .supplier, name: "Systemhuset A", cvr: "11111111", noticeAddress: "drift@a.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .supplier, name: "Leverandør B", cvr: "22222222", noticeAddress: "drift@b.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .municipality, municipality: "0101", noticeAddress: "it@kk.dk"))
            _ = try desk.createOrganisation(ops, .init(kind: .municipality, municipality: "0751", noticeAddress: "it@aarhus.dk"))
            var tokens = ["ops": ConsoleTests.operatorToken]
            for (key, org, roles) in [("kbhUser", "kommune:0101", ["user"]), ("aarhusUser", "kommune:0751", ["user"]), ("opUser", "platform", ["operator"])] {
                let user = try desk.createUser(ops, .init(organisation: org, name: key, email: "\(key.lowercased())@example.dk", roles: roles))
                tokens[key] = try desk.createToken(ops, user: user.id ?? 0, name: "console", days: 30).secret
            }
            self.tokens = tokens

            // esdh-a: a file delivered three hours ago, its deadline an hour ago: overdue.
            let now = clock.date
            let delivered = now.addingTimeInterval(-3 * 3600)
            try store.recordDeliveriesForBenchmark([
                DeliveryRecord(outboxId: nil, system: "esdh-a", fileName: "D261123.L000001", remotePath: "IN/D261123.L000001", bytes: 1000,
                               sha256: nil, transferUUID: UUID().uuidString.lowercased(), startedAt: delivered, finishedAt: delivered,
                               outcome: .delivered),
            ])
            let delivery = try #require(try store.deliveries(system: "esdh-a").first)
            var pickup = try #require(try store.startTracking([
                PickupRecord(deliveryId: delivery.id ?? 0, system: "esdh-a", fileName: "D261123.L000001", remotePath: "IN/D261123.L000001",
                             rulePattern: "*", signal: .deleted, deliveredAt: delivered, warnAt: now.addingTimeInterval(-2 * 3600),
                             deadline: now.addingTimeInterval(-3600), expiresAt: now.addingTimeInterval(14 * 86_400), repeatEverySeconds: nil,
                             updatedAt: delivered),
            ], now: delivered).first)
            pickup.state = .overdue
            try store.applyMonitorPass(pickups: [pickup], alarms: [
                .raise(AlarmRecord(dedupKey: "pickup:\(pickup.id ?? 0):*:overdue", kind: .pickupOverdue, severity: .critical, system: "esdh-a",
                                   fileName: pickup.fileName, pickupId: pickup.id, rule: "*", summary: "D261123.L000001 not collected <by> the deadline",
                                   deliveredAt: delivered, deadline: pickup.deadline, raisedAt: now.addingTimeInterval(-3600)),
                       detail: "past the deadline"),
                .raise(AlarmRecord(dedupKey: "inbox:esdh-b:1", kind: .inboxUnreachable, severity: .warning, system: "esdh-b",
                                   summary: "the inbox of esdh-b has been unreachable for 20 minutes", raisedAt: now.addingTimeInterval(-600)),
                       detail: "connection refused"),
            ], now: now.addingTimeInterval(-600))
            alarmA = try #require(try store.alarms(system: "esdh-a").first?.id)
            alarmB = try #require(try store.alarms(system: "esdh-b").first?.id)
        }

        func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            try await api.application(host: "127.0.0.1", port: 0).test(.live, body)
        }

        func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The read timeouts run on the same manual clock; a test that moves it by hours must
    /// not have them close its keep-alive connection.
    static let patientTimeouts = AdminTimeouts(header: .seconds(400 * 86_400), body: .seconds(400 * 86_400), idle: .seconds(400 * 86_400))

    static let configuration = """
        sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 2000 } }
        municipalities:
          - { code: "0101", name: København, uuid: 3f1c52a4-7e36-4c1b-9d8e-0a1b2c3d4e5f }
          - { code: "0751", name: Aarhus, uuid: 9b2d41c7-5a18-4e3f-8c6d-1e2f3a4b5c6d }
        systems:
          - name: esdh-a
            uuid: 5d0e2c4a-1b3f-4a6d-8e9c-7f1a2b3c4d5e
            supplier: "cvr:11111111"
            inbox: { host: 127.0.0.1, port: 2222, user: a, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
          - name: esdh-b
            uuid: 6e1f3d5b-2c4a-4b7e-9fad-8a2b3c4d5e6f
            supplier: "cvr:22222222"
            inbox: { host: 127.0.0.1, port: 2222, user: b, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
        extracts:
          - name: cpr-a-status
            source: cpr
            kind: status
            system: esdh-a
            municipality: "0101"
            task_number: 101
            schedule: { cron: "30 6 25 * *", calendar: business-days }
        agreements:
          - { uuid: 1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f, system: esdh-a, municipality: "0101", service: cpr-extract, state: approved }
          - { uuid: 2d3e4f5a-6b7c-4d8e-9fa0-1b2c3d4e5f6a, system: esdh-b, municipality: "0751", service: cpr-extract, state: approved }
        api:
          listen: 127.0.0.1:8480
          tokens: [{ name: ops, env: OPS_TOKEN }]
        """

    // MARK: A browser's part, by hand

    /// A signed-in browser: its session cookie and the session's form token.
    struct Browser: Sendable {
        var cookie: String
        var csrf: String
        var headers: HTTPFields { [.cookie: "udtraek_console=\(cookie)"] }

        func formHeaders() -> HTTPFields {
            [.cookie: "udtraek_console=\(cookie)", .contentType: "application/x-www-form-urlencoded"]
        }
    }

    static func text(_ r: TestResponse) -> String { String(buffer: r.body) }

    /// What a page says, without its frame (whose form token differs from page to page).
    static func main(_ r: TestResponse) -> String {
        let page = text(r)
        guard let start = page.range(of: "<main>"), let end = page.range(of: "</main>") else { return page }
        return String(page[start.upperBound..<end.lowerBound])
    }

    /// The value of `name` among the response's `Set-Cookie` headers, and the whole header.
    static func setCookie(_ r: TestResponse, _ name: String) -> (value: String, header: String)? {
        for header in r.headers[values: .setCookie] where header.hasPrefix("\(name)=") {
            let value = header.dropFirst(name.count + 1).prefix { $0 != ";" }
            return (String(value), header)
        }
        return nil
    }

    /// The first hidden `csrf` field of a page.
    static func csrf(in page: String) -> String? {
        guard let start = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[start.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [(String, String)]) -> ByteBuffer {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return ByteBuffer(string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&"))
    }

    /// Opens the sign-in page and signs in with `token`, as a browser does.
    static func signIn(_ client: any TestClientProtocol, token: String) async throws -> Browser {
        let page = try await client.execute(uri: "/console/sign-in", method: .get)
        #expect(page.status == .ok)
        let pre = try #require(setCookie(page, "udtraek_console_signin"))
        let formToken = try #require(csrf(in: text(page)))
        let posted = try await client.execute(uri: "/console/sign-in", method: .post,
                                              headers: [.cookie: "udtraek_console_signin=\(pre.value)", .contentType: "application/x-www-form-urlencoded"],
                                              body: form([("csrf", formToken), ("token", token)]))
        #expect(posted.status == .seeOther)
        #expect(posted.headers[.location] == "/console")
        let session = try #require(setCookie(posted, "udtraek_console"))
        let overview = try await client.execute(uri: "/console", method: .get, headers: [.cookie: "udtraek_console=\(session.value)"])
        #expect(overview.status == .ok)
        return Browser(cookie: session.value, csrf: try #require(csrf(in: text(overview))))
    }

    static func expectSignInRedirect(_ r: TestResponse, _ comment: Comment? = nil) {
        #expect(r.status == .seeOther, comment)
        #expect(r.headers[.location] == "/console/sign-in", comment)
    }

    // MARK: Signing in and out

    @Test func signInWithATokenShowsTheOverviewAndSignOutEndsTheSession() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let page = try await client.execute(uri: "/console/sign-in", method: .get)
            let body = Self.text(page)
            #expect(body.contains(#"<label for="token">"#) && body.contains(#"id="token""#))
            #expect(page.headers[values: .contentType].first?.hasPrefix("text/html") == true)

            // A wrong token: 401, the form again, no session.
            let pre = try #require(Self.setCookie(page, "udtraek_console_signin"))
            let wrong = try await client.execute(uri: "/console/sign-in", method: .post,
                                                 headers: [.cookie: "udtraek_console_signin=\(pre.value)", .contentType: "application/x-www-form-urlencoded"],
                                                 body: Self.form([("csrf", Self.csrf(in: body) ?? ""), ("token", "udt_" + String(repeating: "0", count: 64))]))
            #expect(wrong.status == .unauthorized)
            #expect(Self.text(wrong).contains("not valid"))
            #expect(Self.setCookie(wrong, "udtraek_console") == nil)

            // The operator token of the configuration.
            let posted = try await client.execute(uri: "/console/sign-in", method: .post,
                                                  headers: [.cookie: "udtraek_console_signin=\(pre.value)", .contentType: "application/x-www-form-urlencoded"],
                                                  body: Self.form([("csrf", Self.csrf(in: body) ?? ""), ("token", Self.operatorToken)]))
            #expect(posted.status == .seeOther)
            let cookie = try #require(Self.setCookie(posted, "udtraek_console"))
            #expect(cookie.value.count == 64)
            let attributes = Set(cookie.header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.isSuperset(of: ["HttpOnly", "SameSite=Strict", "Path=/console"]))
            #expect(!attributes.contains("Secure"), "Secure only when TLS is used; this listener is plain HTTP")
            let browser = Browser(cookie: cookie.value, csrf: "")

            let overview = try await client.execute(uri: "/console", method: .get, headers: browser.headers)
            #expect(overview.status == .ok)
            let text = Self.text(overview)
            #expect(text.contains("<h1>Overview</h1>") && text.contains("Signed in as console:ops"))
            #expect(text.contains("esdh-a") && text.contains("esdh-b"))
            // The colours come with their numbers and reasons in words.
            #expect(text.contains(#"<span class="rag rag-red">Red</span> 1 overdue, 1 critical"#))
            #expect(text.contains(#"<span class="rag rag-amber">Amber</span> 1 warning alarm"#))
            #expect(text.contains("3h 00m old; 1h 00m past its deadline"))
            #expect(text.contains("1 red, 1 amber, 0 green."))
            #expect(try f.store.auditLog(limit: 10, action: "console.sign-in").first?.actor == "console:ops")

            let signOutCSRF = try #require(Self.csrf(in: text))
            let out = try await client.execute(uri: "/console/sign-out", method: .post,
                                               headers: [.cookie: "udtraek_console=\(cookie.value)", .contentType: "application/x-www-form-urlencoded"],
                                               body: Self.form([("csrf", signOutCSRF)]))
            Self.expectSignInRedirect(out)
            #expect(Self.setCookie(out, "udtraek_console")?.header.contains("Max-Age=0") == true)
            // The old cookie opens nothing any more.
            Self.expectSignInRedirect(try await client.execute(uri: "/console", method: .get, headers: browser.headers))
        }
    }

    @Test func withoutALiveSessionEveryPageRedirectsToSignIn() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            for uri in ["/console", "/console/alarms", "/console/alarms/\(f.alarmA)", "/console/systems/esdh-a"] {
                Self.expectSignInRedirect(try await client.execute(uri: uri, method: .get), "\(uri) without a cookie")
                Self.expectSignInRedirect(try await client.execute(uri: uri, method: .get, headers: [.cookie: "udtraek_console=\(String(repeating: "ab", count: 32))"]),
                                          "\(uri) with an unknown session")
            }
            let ack = try await client.execute(uri: "/console/alarms/\(f.alarmA)/acknowledge", method: .post,
                                               headers: [.contentType: "application/x-www-form-urlencoded"], body: Self.form([("note", "x")]))
            Self.expectSignInRedirect(ack)
            #expect(try f.store.alarm(id: f.alarmA)?.acknowledgedAt == nil)

            // A session ends eight hours after sign-in, on the injected clock.
            let browser = try await Self.signIn(client, token: f.tokens["kbhUser"] ?? "")
            f.clock.advance(by: .seconds(8 * 3600 - 1))
            #expect(try await client.execute(uri: "/console", method: .get, headers: browser.headers).status == .ok)
            f.clock.advance(by: .seconds(1))
            Self.expectSignInRedirect(try await client.execute(uri: "/console", method: .get, headers: browser.headers), "expired")
        }
    }

    @Test func aRevokedTokenEndsItsSessionAtTheNextRequest() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let browser = try await Self.signIn(client, token: f.tokens["opUser"] ?? "")
            let digest = TokenSecret.digest(f.tokens["opUser"] ?? "")
            let user = try #require(try f.store.signIn(tokenDigest: digest, at: f.clock.date)?.0)
            for token in try f.store.tokens(user: user.id ?? 0) {
                _ = try AdministrationDesk(store: f.store, keyDirectory: f.directory).revokeToken(.platformOperator(actor: "test"), id: token.id ?? 0)
            }
            Self.expectSignInRedirect(try await client.execute(uri: "/console", method: .get, headers: browser.headers))
        }
    }

    // MARK: Form tokens

    @Test func aFormPostedWithoutItsTokenIsRefused() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let browser = try await Self.signIn(client, token: Self.operatorToken)
            for body in [Self.form([("note", "no token")]), Self.form([("csrf", String(repeating: "0", count: 64)), ("note", "wrong token")]),
                         Self.form([("csrf", ""), ("note", "empty token")])] {
                let refused = try await client.execute(uri: "/console/alarms/\(f.alarmA)/acknowledge", method: .post, headers: browser.formHeaders(), body: body)
                #expect(refused.status == .forbidden)
                #expect(Self.text(refused).contains("security token"))
            }
            #expect(try f.store.alarm(id: f.alarmA)?.acknowledgedAt == nil)
            #expect(try f.store.alarmEvents(alarmId: f.alarmA).count == 1)
            // Sign-out without it is refused too, and the session lives on.
            let out = try await client.execute(uri: "/console/sign-out", method: .post, headers: browser.formHeaders(), body: Self.form([]))
            #expect(out.status == .forbidden)
            #expect(try await client.execute(uri: "/console", method: .get, headers: browser.headers).status == .ok)
            // The sign-in form's own token: a POST without the matching cookie is refused.
            let signIn = try await client.execute(uri: "/console/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: Self.form([("csrf", browser.csrf), ("token", Self.operatorToken)]))
            #expect(signIn.status == .forbidden)
            #expect(Self.setCookie(signIn, "udtraek_console") == nil)
        }
    }

    // MARK: Scope

    @Test func aMunicipalityUserSeesOnlyItsOwnSystemsEvenByURL() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let kbh = try await Self.signIn(client, token: f.tokens["kbhUser"] ?? "")
            let overview = Self.text(try await client.execute(uri: "/console", method: .get, headers: kbh.headers))
            #expect(overview.contains("esdh-a") && !overview.contains("esdh-b"))

            // Another municipality's system: answered exactly as a system that does not exist.
            let other = try await client.execute(uri: "/console/systems/esdh-b", method: .get, headers: kbh.headers)
            let missing = try await client.execute(uri: "/console/systems/esdh-z", method: .get, headers: kbh.headers)
            #expect(other.status == .notFound && missing.status == .notFound)
            #expect(Self.main(other).replacingOccurrences(of: "esdh-b", with: "X") == Self.main(missing).replacingOccurrences(of: "esdh-z", with: "X"))
            #expect(try await client.execute(uri: "/console/systems/esdh-a", method: .get, headers: kbh.headers).status == .ok)

            // Its alarms likewise: not listed, and not found by URL.
            let alarms = Self.text(try await client.execute(uri: "/console/alarms", method: .get, headers: kbh.headers))
            #expect(alarms.contains("/console/alarms/\(f.alarmA)\"") && !alarms.contains("/console/alarms/\(f.alarmB)\""))
            let hidden = try await client.execute(uri: "/console/alarms/\(f.alarmB)", method: .get, headers: kbh.headers)
            let none = try await client.execute(uri: "/console/alarms/999999", method: .get, headers: kbh.headers)
            #expect(hidden.status == .notFound && none.status == .notFound)
            #expect(Self.main(hidden).replacingOccurrences(of: "\(f.alarmB)", with: "X") == Self.main(none).replacingOccurrences(of: "999999", with: "X"))

            // Its own system's alarm: seen, but only operators act on alarms.
            let own = Self.text(try await client.execute(uri: "/console/alarms/\(f.alarmA)", method: .get, headers: kbh.headers))
            #expect(own.contains("Only the platform's operators (role operator) acknowledge alarms") && !own.contains("/acknowledge\""))
            let refused = try await client.execute(uri: "/console/alarms/\(f.alarmA)/acknowledge", method: .post, headers: kbh.formHeaders(),
                                                   body: Self.form([("csrf", kbh.csrf), ("note", "mine")]))
            #expect(refused.status == .forbidden)
            let outOfScope = try await client.execute(uri: "/console/alarms/\(f.alarmB)/acknowledge", method: .post, headers: kbh.formHeaders(),
                                                      body: Self.form([("csrf", kbh.csrf), ("note", "theirs")]))
            #expect(outOfScope.status == .notFound)
            #expect(try f.store.alarm(id: f.alarmA)?.acknowledgedAt == nil && f.store.alarm(id: f.alarmB)?.acknowledgedAt == nil)
            #expect(try f.store.auditLog(limit: 100, action: "alarm.acknowledge").isEmpty)

            // Aarhus sees the other one.
            let aarhus = try await Self.signIn(client, token: f.tokens["aarhusUser"] ?? "")
            let theirs = Self.text(try await client.execute(uri: "/console", method: .get, headers: aarhus.headers))
            #expect(theirs.contains("esdh-b") && !theirs.contains("esdh-a"))
        }
    }

    // MARK: Alarms

    @Test func anOperatorAcknowledgesAnAlarmWithANote() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        try await f.test { client in
            let ops = try await Self.signIn(client, token: f.tokens["opUser"] ?? "")
            let page = try await client.execute(uri: "/console/alarms/\(f.alarmA)", method: .get, headers: ops.headers)
            let text = Self.text(page)
            #expect(page.status == .ok)
            #expect(text.contains(#"<label for="note">"#) && text.contains(#"action="/console/alarms/\#(f.alarmA)/acknowledge""#))
            // State is escaped: the summary's angle brackets are text.
            #expect(text.contains("not collected &lt;by&gt; the deadline") && !text.contains("<by>"))
            let note = "called <Systemhuset>; they collect at 14:00"
            let acked = try await client.execute(uri: "/console/alarms/\(f.alarmA)/acknowledge", method: .post, headers: ops.formHeaders(),
                                                 body: Self.form([("csrf", ops.csrf), ("note", note)]))
            #expect(acked.status == .seeOther)
            #expect(acked.headers[.location] == "/console/alarms/\(f.alarmA)")

            let alarm = try #require(try f.store.alarm(id: f.alarmA))
            #expect(alarm.acknowledgedAt == f.clock.date && alarm.acknowledgedBy?.hasPrefix("user:") == true && alarm.isOpen)
            let events = try f.store.alarmEvents(alarmId: f.alarmA)
            #expect(events.map(\.event) == [.raised, .acknowledged])
            #expect(events.last?.detail.hasSuffix(note) == true)
            let audit = try #require(try f.store.auditLog(limit: 10, action: "alarm.acknowledge").first)
            #expect(audit.actor == alarm.acknowledgedBy && audit.detail.contains(note))

            let after = Self.text(try await client.execute(uri: "/console/alarms/\(f.alarmA)", method: .get, headers: ops.headers))
            #expect(after.contains("called &lt;Systemhuset&gt;") && after.contains("acknowledged"))
            #expect(!after.contains(#"<label for="note">"#))
            // Twice is a conflict that says why, and changes nothing.
            let again = try await client.execute(uri: "/console/alarms/\(f.alarmA)/acknowledge", method: .post, headers: ops.formHeaders(),
                                                 body: Self.form([("csrf", ops.csrf), ("note", "again")]))
            #expect(again.status == .conflict)
            #expect(try f.store.alarmEvents(alarmId: f.alarmA).count == 2)
        }
    }
}
