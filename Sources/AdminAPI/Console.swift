import Administration
import Foundation
import Hummingbird
import Monitoring
import Runtime
import Store

/// The operator console: server-rendered HTML on the admin listener, for people
/// (issue 13). It works without JavaScript and loads nothing from elsewhere.
///
/// - `GET /console/sign-in`, `POST /console/sign-in`: a personal token (`udt_...`) or a
///   configured operator token is exchanged for a session (cookie `udtraek_console`,
///   `HttpOnly; SameSite=Strict; Path=/console`, `Secure` when served over TLS).
/// - `POST /console/sign-out`.
/// - `GET /console`: the overview, one row per receiver system the caller can see.
/// - `GET /console/systems/{name}`: a system's files awaiting pickup and its alarms.
/// - `GET /console/alarms`, `GET /console/alarms/{id}`,
///   `POST /console/alarms/{id}/acknowledge` (operators only).
///
/// Every page and act is decided by `Access` on the signed-in principal, as the API decides
/// it: what the caller cannot see is answered 404 exactly as what does not exist. Every
/// form carries the session's form token and a POST without it is refused (403). A request
/// without a live session is sent to the sign-in page.
extension AdminAPI {
    func addConsoleRoutes(_ router: Router<AdminRequestContext>) {
        Console(api: self, sessions: ConsoleSessions(clock: clock)).add(to: router)
    }
}

/// A page the console answers instead of the one asked for: not found, forbidden, invalid, conflict.
struct ConsoleRefusal: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String
}

struct Console: Sendable {
    let api: AdminAPI
    let sessions: ConsoleSessions

    /// The signed-in caller of one request.
    struct Caller: Sendable {
        var principal: Principal
        var session: ConsoleSessions.Session

        /// Whether the caller operates the platform (runs, schedules, change orders).
        var isOperator: Bool { Access.decide(principal, .operate, on: .platform) == .allowed }

        /// Refuses a page or act only the platform's operators have, as the API's
        /// operator routes refuse it.
        func requireOperator() throws {
            if case .forbidden(let why) = Access.decide(principal, .operate, on: .platform) {
                throw ConsoleRefusal(status: .forbidden, title: "Not allowed", message: Console.sentence(why))
            }
        }
    }

    func add(to router: Router<AdminRequestContext>) {
        router.get("/console/sign-in") { _, _ in signInPage(error: nil, status: .ok) }
        router.post("/console/sign-in") { request, _ in try await signIn(request) }
        router.post("/console/sign-out") { request, _ in
            try await form(request) { caller, _ in
                let (store, clock, p) = (api.store, api.clock, caller.principal)
                _ = try? await api.blocking {
                    try store.audit(AuditEntry(at: clock.date, actor: p.actor, action: "console.sign-out", subject: p.organisation.id, detail: ""))
                }
                sessions.close(id: caller.session.id)
                return ConsolePage.redirect("/console/sign-in", extra: clearSessionCookie())
            }
        }
        router.get("/console") { request, _ in
            let live = request.uri.queryParameters["live"] != "0"
            return try await page(request) { try await overview($0, live: live) }
        }
        router.get("/console/systems/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await page(request) { try await systemPage($0, name: name) }
        }
        router.get("/console/alarms") { request, _ in try await page(request) { try await alarmsPage($0) } }
        router.get("/console/alarms/:id") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await page(request) { try await alarmPage($0, id: id) }
        }
        router.post("/console/alarms/:id/acknowledge") { request, context in
            let id = context.parameters.get("id", as: Int64.self)
            return try await form(request) { try await acknowledge($0, id: id, fields: $1) }
        }
        addPickupRoutes(router)
        addRunRoutes(router)
        addChangeRoutes(router)
        addAgreementRoutes(router)
    }

    // MARK: Sessions and forms

    /// The caller of a request with a live session whose token still stands for someone.
    func caller(_ request: Request) async throws -> Caller? {
        guard let id = Self.cookie(ConsoleSessions.cookieName, in: request), let session = sessions.session(id: id) else { return nil }
        guard let p = try await principal(token: session.token) else {
            sessions.close(id: id)
            return nil
        }
        return Caller(principal: p, session: session)
    }

    /// Who a token stands for now, exactly as `TokenAuthentication` decides it.
    func principal(token: String) async throws -> Principal? {
        if let name = api.tokens.authenticate(token) { return .platformOperator(actor: "console:\(name)") }
        guard TokenSecret.looksPersonal(token) else { return nil }
        let desk = api.desk
        return try await api.blocking { try desk.signIn(token: token) }
    }

    func clearSessionCookie() -> HTTPFields {
        [.setCookie: sessions.cookie(name: ConsoleSessions.cookieName, value: nil, path: "/console")]
    }

    /// A page for a signed-in caller; without a session, the sign-in page.
    func page(_ request: Request, _ body: (Caller) async throws -> Response) async throws -> Response {
        guard let caller = try await caller(request) else {
            return ConsolePage.redirect("/console/sign-in", extra: clearSessionCookie())
        }
        do { return try await body(caller) } catch let refusal as ConsoleRefusal {
            return render(refusal, caller)
        } catch let e as AdministrationError {
            return render(Self.refusal(e), caller)
        }
    }

    /// A form's POST: a live session first, then the session's form token, then the act.
    func form(_ request: Request, _ body: (Caller, [String: String]) async throws -> Response) async throws -> Response {
        try await page(request) { caller in
            let fields = try await Self.formFields(request)
            guard let presented = fields?["csrf"], ConsoleSessions.same(presented, caller.session.csrf) else {
                throw ConsoleRefusal(status: .forbidden, title: "Refused",
                                     message: "The form's security token is missing or wrong, so nothing was done. Open the page again and send the form from there.")
            }
            return try await body(caller, fields ?? [:])
        }
    }

    func render(_ refusal: ConsoleRefusal, _ caller: Caller?) -> Response {
        ConsolePage.response(ConsolePage.document(title: refusal.title, actor: caller?.principal.actor, signOutCSRF: caller?.session.csrf,
                                                  operator: caller?.isOperator ?? false, body: "<p>\(refusal.message)</p><p><a href=\"/console\">Back to the overview</a></p>"),
                             status: refusal.status)
    }

    static func refusal(_ e: AdministrationError) -> ConsoleRefusal {
        switch e.kind {
        case .notFound: ConsoleRefusal(status: .notFound, title: "Not found", message: Self.sentence(e.message))
        case .forbidden: ConsoleRefusal(status: .forbidden, title: "Not allowed", message: Self.sentence(e.message))
        case .invalid: ConsoleRefusal(status: .badRequest, title: "Not valid", message: Self.sentence(e.message))
        case .conflict: ConsoleRefusal(status: .conflict, title: "Not done", message: Self.sentence(e.message))
        }
    }

    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
    }

    /// One cookie's value from the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if let eq = pair.firstIndex(of: "="), pair[..<eq] == name {
                    let value = String(pair[pair.index(after: eq)...])
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body (at most 16 KiB); nil when it is not one.
    static func formFields(_ request: Request) async throws -> [String: String]? {
        var request = request
        let buffer = try await request.collectBody(upTo: 16 * 1024)
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let key = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }

    // MARK: Signing in and out

    func signInPage(error: String?, status: HTTPResponse.Status) -> Response {
        let csrf = ConsoleSessions.randomToken()
        let message: HTML = error.map { e -> HTML in "<p class=\"error\" role=\"alert\">\(e)</p>" } ?? .empty
        let body: HTML = """
            \(message)
            <p>Sign in with your personal token (it begins <code>udt_</code>; <code>udtraek users token create</code> makes one) or an operator token of the configuration.</p>
            <form method="post" action="/console/sign-in">
            <input type="hidden" name="csrf" value="\(csrf)">
            <label for="token">Token</label>
            <input type="password" id="token" name="token" autocomplete="off" required>
            <p><button type="submit">Sign in</button></p>
            </form>
            """
        let cookie = sessions.cookie(name: ConsoleSessions.signInCookieName, value: csrf, path: "/console/sign-in", maxAge: 3600)
        return ConsolePage.response(ConsolePage.document(title: "Sign in", actor: nil, signOutCSRF: nil, body: body),
                                    status: status, extra: [.setCookie: cookie])
    }

    func signIn(_ request: Request) async throws -> Response {
        let fields = try await Self.formFields(request)
        guard let presented = fields?["csrf"], let expected = Self.cookie(ConsoleSessions.signInCookieName, in: request),
              ConsoleSessions.same(presented, expected) else {
            return render(ConsoleRefusal(status: .forbidden, title: "Refused",
                                         message: "The sign-in form's security token is missing or wrong. Open the sign-in page again and sign in from there."),
                          nil)
        }
        let token = (fields?["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.count <= 256, let p = try await principal(token: token) else {
            return signInPage(error: "The token is not valid, has expired or was revoked.", status: .unauthorized)
        }
        let session = sessions.open(token: token)
        let (store, clock) = (api.store, api.clock)
        try await api.blocking {
            _ = try store.audit(AuditEntry(at: clock.date, actor: p.actor, action: "console.sign-in", subject: p.organisation.id, detail: ""))
        }
        var headers = HTTPFields()
        headers[values: .setCookie] = [sessions.cookie(name: ConsoleSessions.cookieName, value: session.id, path: "/console"),
                                       sessions.cookie(name: ConsoleSessions.signInCookieName, value: nil, path: "/console/sign-in")]
        return ConsolePage.redirect("/console", extra: headers)
    }

    // MARK: What the caller may see

    /// The systems the principal sees (as `GET /api/v1/systems` lists them) and whether it
    /// sees the platform's own things (alarms about no system).
    struct Visibility: Sendable {
        var systems: [SystemView]
        var platform: Bool

        func sees(_ alarm: AlarmRecord) -> Bool {
            platform || alarm.system.map { name in systems.contains { $0.name == name } } ?? false
        }
    }

    static func visibility(_ p: Principal, _ desk: AdministrationDesk) throws -> Visibility {
        Visibility(systems: try desk.systems(p), platform: Access.sees(p, .platform))
    }

    /// The alarm, when it exists and the principal sees it; otherwise not found, alike.
    static func visibleAlarm(_ p: Principal, id: Int64?, store: Store, desk: AdministrationDesk) throws -> AlarmRecord {
        guard let id, let alarm = try store.alarm(id: id), try visibility(p, desk).sees(alarm) else {
            throw ConsoleRefusal(status: .notFound, title: "Not found", message: "There is no alarm \(id.map { "\($0)" } ?? "with that id") that you can see.")
        }
        return alarm
    }
}
