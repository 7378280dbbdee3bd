import Administration
import BusinessCalendar
import ChangeOrders
import Extracts
import Foundation
import Hummingbird
import Logging
import Prometheus
import Runtime
import Store

/// The request context of the admin API: who the token says is calling.
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The name of the operator token the request carried, or the actor of a personal
    /// token (set by `TokenAuthentication`), for the audit log.
    public var operatorName: String?
    /// Who is calling, with their organisation and roles (set by `TokenAuthentication`).
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// The HTTP admin API of `udtraek serve`, for operators and external schedulers (cron,
/// Airflow, Control-M):
///
/// - `POST /api/v1/extracts/{name}/runs` asks for a run (body optional:
///   `{"date": "YYYY-MM-DD", "rerun": false}`; header `Idempotency-Key` optional). 202 with
///   the run (queued, or the run in flight for that date, which it joins); 200 with the run
///   that already produced that date's file (`"request": "already-produced"`) unless
///   `"rerun": true` asks to produce it again. The same key with the same body answers 200
///   with the same run, never a second one; the same key with another body is 422.
/// - `GET /api/v1/runs/{id}`, `GET /api/v1/runs?extract=NAME&limit=N`: run history.
/// - `POST /api/v1/runs/{id}/cancel`: takes a queued run out of the queue (409 otherwise).
/// - `GET /api/v1/extracts`: the definitions with their schedules.
/// - `POST /api/v1/changes`, `GET /api/v1/changes/{id}`, `GET /api/v1/changes?system=S`:
///   technical change orders (see `AdminAPI+Changes.swift`).
/// - `GET /api/v1/transfers`, `GET /api/v1/transfers/{id}`: files routed between systems
///   (see `AdminAPI+Transfers.swift`).
/// - `GET /healthz`: liveness, without a token.
/// - `GET /metrics`: Prometheus text format, without a token (loopback only; counts and
///   durations, never data).
///
/// - The administration module: organisations, users and tokens, systems, agreements,
///   usage (see `AdminAPI+Administration.swift`).
/// - `GET /api/v1/openapi.yaml`: this API described in OpenAPI 3.1, without a token.
///
/// Everything else under `/api/` needs `Authorization: Bearer TOKEN`, a configured operator
/// token or a personal token; without a valid one the answer is 401 and nothing is read or
/// run. The operators' routes (runs, extracts, changes, transfers, gateway) answer 403 to
/// any token without the `operator` role.
///
/// Every store call of a handler runs on the blocking executor (SQLite blocks; the
/// cooperative pool's few threads must not), and clients slower than `AdminTimeouts`
/// allow are disconnected.
public struct AdminAPI: Sendable {
    let store: Store
    let runner: ExtractRunner
    let tokens: OperatorTokens
    let logger: Logger
    /// Called after a run was queued, so the scheduler starts it at once.
    let runRequested: @Sendable () -> Void
    /// Where swift-metrics collects, when `serve` bootstrapped Prometheus.
    let metrics: PrometheusCollectorRegistry?
    /// Receives change orders (`POST /api/v1/changes`).
    let changeDesk: ChangeDesk
    /// Called after an order was accepted, so the executor looks at once.
    let changeSubmitted: @Sendable () -> Void
    /// Dates of audit rows and cancellations, the report period, and the read timeouts.
    let clock: RuntimeClock
    let executor: BlockingExecutor
    let timeouts: AdminTimeouts
    /// The administration module's acts, decided on the caller's roles and scope.
    let desk: AdministrationDesk

    public init(store: Store, runner: ExtractRunner, tokens: OperatorTokens, logger: Logger = Logger(label: "udtraek.api"),
                metrics: PrometheusCollectorRegistry? = nil, runRequested: @escaping @Sendable () -> Void = {},
                changeDesk: ChangeDesk? = nil, changeSubmitted: @escaping @Sendable () -> Void = {},
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared, timeouts: AdminTimeouts = AdminTimeouts(),
                desk: AdministrationDesk? = nil) {
        self.desk = desk ?? AdministrationDesk(store: store, clock: clock, keyDirectory: Self.registeredKeyDirectory(store))
        self.clock = clock
        self.executor = executor
        self.timeouts = timeouts
        self.changeDesk = changeDesk ?? ChangeDesk(store: store, clock: clock)
        self.changeSubmitted = changeSubmitted
        self.metrics = metrics
        self.store = store
        self.runner = runner
        self.tokens = tokens
        self.logger = logger
        self.runRequested = runRequested
    }

    /// The routes, for an application or a test.
    public func router() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.get("/healthz") { _, _ in "ok\n" }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                         body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        router.get("/api/v1/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        addConsoleRoutes(router)
        let authentication = TokenAuthentication(tokens: tokens, desk: desk, executor: executor)
        addAdministrationRoutes(router.group("/api/v1").add(middleware: authentication))
        let api = router.group("/api/v1").add(middleware: authentication).add(middleware: OperatorsOnly())
        api.post("/extracts/:name/runs") { request, context in try await requestRun(request, context) }
        api.get("/runs/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw APIProblem(.badRequest, "invalid-run-id", "the run id must be a whole number")
            }
            guard let run = try await blocking({ try store.run(id: id) }) else {
                throw APIProblem(.notFound, "unknown-run", "there is no run \(id)")
            }
            return try JSONBody.response(run)
        }
        api.post("/runs/:id/cancel") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw APIProblem(.badRequest, "invalid-run-id", "the run id must be a whole number")
            }
            let actor = "api:\(context.operatorName ?? "?")"
            let now = clock.date
            guard let (run, cancelled) = try await blocking({ try store.cancelRun(id: id, by: actor, reason: "", now: now) }) else {
                throw APIProblem(.notFound, "unknown-run", "there is no run \(id)")
            }
            guard cancelled else {
                throw APIProblem(.conflict, "not-queued", "run \(id) is \(run.state.rawValue); only a queued run can be cancelled")
            }
            return try JSONBody.response(run)
        }
        api.get("/runs") { request, _ in
            let query = request.uri.queryParameters
            let extract = query["extract"].map(String.init)
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 50
            guard (1...1000).contains(limit) else {
                throw APIProblem(.badRequest, "invalid-limit", "limit must be 1...1000")
            }
            struct Page: Encodable { var runs: [ExtractRun] }
            let runs = try await blocking { () throws -> [ExtractRun] in
                if let extract, try store.extractDefinition(named: extract) == nil {
                    throw APIProblem(.notFound, "unknown-extract", "there is no extract named '\(extract)'; GET /api/v1/extracts lists them")
                }
                return try store.runs(extract: extract, limit: limit)
            }
            return try JSONBody.response(Page(runs: runs))
        }
        addChangeRoutes(api)
        addGatewayRoutes(api)
        addTransferRoutes(api)
        api.get("/extracts") { _, _ in
            let config = try await blocking { try store.configuration() }
            struct Item: Encodable {
                var definition: ExtractDefinition
                var schedule: ExtractSchedule?
            }
            struct Page: Encodable { var extracts: [Item] }
            return try JSONBody.response(Page(extracts: config.extracts.map { d in
                Item(definition: d, schedule: config.schedules.first { $0.extract == d.name })
            }))
        }
        return router
    }

    /// The application listening on `host:port`, a swift-service-lifecycle service.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let (timeouts, clock, logger) = (timeouts, clock, logger)
        return Application(router: router(),
                           server: .http1(configuration: .init(additionalChannelHandlers: [
                               RequestReadTimeouts(timeouts: timeouts, clock: clock, logger: logger),
                           ])),
                           configuration: .init(address: .hostname(host, port: port), serverName: "udtraek"),
                           logger: logger)
    }

    /// Where the key pairs for systems registered through the API are made: beside the
    /// state database, in `keys/registered/`.
    public static func registeredKeyDirectory(_ store: Store) -> String {
        (((store.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("keys") as NSString)
            .appendingPathComponent("registered")
    }

    /// Runs store work (SQLite blocks) on the executor and returns its result.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await executor.run(body)
    }

    /// Queues a run of extract `name` as `POST /api/v1/extracts/{name}/runs` does, for the
    /// API and the console's "Run now" alike: the same queue, the same idempotency key
    /// rules, the same audit row, and the scheduler told at once.
    func queueRun(_ name: String, date: CivilDate?, rerun: Bool, actor: String, idempotencyKey key: String?) async throws -> RunRequest {
        let (runner, store, clock, requestedDate, rerunRequested) = (runner, store, clock, date, rerun)
        let answer = try await blocking { () throws -> RunRequest in
            let answer: RunRequest
            do {
                answer = try runner.request(name, date: requestedDate, trigger: .api, actor: actor, idempotencyKey: key,
                                            rerun: rerunRequested)
            } catch let error as ExtractError where error.code == .unknownExtract {
                throw APIProblem(.notFound, "unknown-extract", "there is no extract named '\(name)'; GET /api/v1/extracts lists them")
            }
            switch answer.outcome {
            case .keyConflict:
                throw APIProblem(.unprocessableContent, "idempotency-key-reused",
                                 "the Idempotency-Key was already used for another request (run \(answer.run.id ?? 0) of \(answer.run.extract) for \(answer.run.productionDate)); use a new key per request")
            case .replayed:
                break
            default:
                try store.audit(AuditEntry(at: clock.date, actor: actor, action: "extract.requested", subject: name,
                                           detail: "run \(answer.run.id ?? 0) for \(answer.run.productionDate): \(answer.outcome.rawValue)"
                                               + (rerunRequested ? " (re-run)" : "") + (key.map { " (idempotency key \($0))" } ?? "")))
            }
            return answer
        }
        if answer.outcome != .replayed { runRequested() }
        return answer
    }

    private func requestRun(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let actor = "api:\(context.operatorName ?? "?")"
        let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        if let key, key.isEmpty || key.utf8.count > 255 || key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7e }) {
            throw APIProblem(.badRequest, "invalid-idempotency-key",
                             "Idempotency-Key must be 1-255 printable ASCII characters without spaces (a UUID is a good choice)")
        }
        var date: CivilDate?
        var rerun = false
        var mutable = request
        let body = try await mutable.collectBody(upTo: 16 * 1024)
        if body.readableBytes > 0 {
            struct Options: Decodable { var date: String?; var rerun: Bool? }
            let options = try RequestBodies.decode(Options.self, from: body,
                                                   example: #"{"date": "2026-11-23"} or {"date": "2026-11-23", "rerun": true} (or no body)"#,
                                                   hints: ["date": #""2026-11-23""#, "rerun": "true or false"])
            if let text = options.date {
                guard let parsed = CivilDate(iso: text) else {
                    throw APIProblem(.badRequest, "invalid-date", "date '\(text)' is not a real date written YYYY-MM-DD")
                }
                date = parsed
            }
            rerun = options.rerun ?? false
        }
        let answer = try await queueRun(name, date: date, rerun: rerun, actor: actor, idempotencyKey: key)
        struct Answer: Encodable {
            var run: ExtractRun
            var request: RunRequestOutcome
            var inFlight: Int64?
            enum CodingKeys: String, CodingKey { case run, request, inFlight = "in_flight_run" }
        }
        var headers = HTTPFields()
        headers[.location] = "/api/v1/runs/\(answer.run.id ?? 0)"
        return try JSONBody.response(Answer(run: answer.run, request: answer.outcome, inFlight: answer.inFlight?.id),
                                     status: [.replayed, .alreadyProduced].contains(answer.outcome) ? .ok : .accepted, headers: headers)
    }
}

/// Lets a request through only with `Authorization: Bearer TOKEN` naming a configured
/// operator token or a usable personal token; records who is calling in the context.
struct TokenAuthentication: RouterMiddleware {
    typealias Context = AdminRequestContext
    let tokens: OperatorTokens
    let desk: AdministrationDesk
    let executor: BlockingExecutor

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer realm=\"udtraek\""]
        guard let header = request.headers[.authorization] else {
            throw APIProblem(.unauthorized, "missing-token", "send your token as 'Authorization: Bearer TOKEN'", headers: challenge)
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased() else {
            throw APIProblem(.unauthorized, "invalid-token", "the token is not valid", headers: challenge)
        }
        let presented = String(header.dropFirst(prefix.count))
        var context = context
        if let name = tokens.authenticate(presented) {
            context.operatorName = name
            context.principal = .platformOperator(actor: "api:\(name)")
        } else if TokenSecret.looksPersonal(presented), let p = try await executor.run({ [desk] in try desk.signIn(token: presented) }) {
            context.operatorName = p.actor
            context.principal = p
        } else {
            throw APIProblem(.unauthorized, "invalid-token", "the token is not valid, has expired or was revoked", headers: challenge)
        }
        return try await next(request, context)
    }
}

/// The operators' routes: a personal token of a supplier or a municipality is answered
/// 403 there, whatever the route, so nothing of the platform's own state leaks.
struct OperatorsOnly: RouterMiddleware {
    typealias Context = AdminRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.principal?.isOperator == true else {
            throw APIProblem(.forbidden, "operator-only", "this route is for the platform's operators (role operator)")
        }
        return try await next(request, context)
    }
}
