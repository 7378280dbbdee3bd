import BusinessCalendar
import AdminAPI
import Extracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Runtime
import Store
import Synchronization
import Testing
import UdtraekConfig

/// The admin API over real HTTP on loopback (HummingbirdTesting's live server).
@Suite struct AdminAPITests {
    static let token = "0123456789abcdef0123456789abcdef"

    struct Fixture {
        let directory: String
        let store: Store
        let runner: ExtractRunner
        let tokens: OperatorTokens
        let api: AdminAPI

        init() throws {
            directory = NSTemporaryDirectory() + "udtraek-api-\(UUID().uuidString)"
            store = try Store(stateDirectory: directory)
            let text = """
                sources: { epoch: 2020-01-01, cpr: { seed: 7, persons: 2000 } }
                municipalities: [{ code: "0101", name: København }]
                systems:
                  - name: modtager
                    inbox: { host: 127.0.0.1, port: 2222, user: u, private_key: /nonexistent, host_key_fingerprints: [SHA256:ejZ8rvFj5DXUER/CTAATDDWKCkMlK5Qo/v9h6xG+3KE] }
                agreements:
                  - { uuid: bd71a7fa-222d-4f84-9142-2a011a710026, system: modtager, municipality: "0101", service: cpr-extract, state: approved }
                extracts:
                  - { name: kbh-status, source: cpr, kind: status, system: modtager, municipality: "0101" }
                  - { name: kbh-changes, source: cpr, kind: change, system: modtager, municipality: "0101", schedule: { cron: "15 6 * * *", calendar: business-days } }
                api:
                  listen: 127.0.0.1:8480
                  tokens: [{ name: ops, env: OPS_TOKEN }, { name: airflow, env: AIRFLOW_TOKEN }]
                """
            let file = try ConfigurationFile.parse(text, path: "api.yaml")
            try store.replaceConfiguration(with: file.snapshot, audit: AuditEntry(at: Date(), actor: "t", action: "config.apply", subject: "", detail: ""))
            runner = ExtractRunner(store: store, stateDirectory: directory)
            tokens = try OperatorTokens(try store.apiSettings().tokens,
                                        environment: ["OPS_TOKEN": AdminAPITests.token, "AIRFLOW_TOKEN": String(repeating: "z", count: 40)])
            api = AdminAPI(store: store, runner: runner, tokens: tokens)
        }

        /// The same API with other read timeouts.
        func api(timeouts: AdminTimeouts) -> AdminAPI {
            AdminAPI(store: store, runner: runner, tokens: tokens, timeouts: timeouts)
        }

        func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
            try await api.application(host: "127.0.0.1", port: 0).test(.live, body)
        }

        func tearDown() { try? FileManager.default.removeItem(atPath: directory) }
    }

    static var auth: HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
    }

    @Test func withoutAValidTokenNothingRuns() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        try await fx.test { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-wrong-token"], [.authorization: "Basic \(Self.token)"],
                                        [.authorization: "Bearer \(Self.token)x"], [.authorization: "Bearer "]] {
                try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"udtraek\"")
                    let error = try Self.json(response)["error"] as? [String: Any]
                    #expect((error?["code"] as? String)?.hasSuffix("-token") == true)
                }
                try await client.execute(uri: "/api/v1/runs", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
        #expect(try fx.store.runs().isEmpty)
        #expect(try fx.store.auditLog(action: "extract.requested").isEmpty)
    }

    @Test func aRequestIsQueuedAuditedAndReadBack() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        try await fx.test { client in
            var id = 0
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                     body: ByteBuffer(string: #"{"date": "2026-11-20"}"#)) { response in
                #expect(response.status == .accepted)
                let body = try Self.json(response)
                let run = try #require(body["run"] as? [String: Any])
                id = run["id"] as! Int
                #expect(body["request"] as? String == "accepted")
                #expect(run["state"] as? String == "queued")
                #expect(run["trigger"] as? String == "api")
                #expect(run["requested_by"] as? String == "api:ops")
                #expect(run["production_date"] as? String == "2026-11-20")
                #expect(response.headers[.location] == "/api/v1/runs/\(id)")
            }
            try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: Self.auth) { response in
                let body = try Self.json(response)
                #expect(response.status == .ok)
                #expect(body["extract"] as? String == "kbh-status")
            }
            try await client.execute(uri: "/api/v1/runs?extract=kbh-status", method: .get, headers: Self.auth) { response in
                let runs = try #require(try Self.json(response)["runs"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? Int } == [id])
            }
            try await client.execute(uri: "/api/v1/runs/999", method: .get, headers: Self.auth) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/runs?extract=nope", method: .get, headers: Self.auth) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/extracts", method: .get, headers: Self.auth) { response in
                let items = try #require(try Self.json(response)["extracts"] as? [[String: Any]])
                #expect(items.count == 2)
                #expect(items.contains { ($0["schedule"] as? [String: Any])?["cron"] as? String == "15 6 * * *" })
            }
        }
        let audit = try #require(try fx.store.auditLog(action: "extract.requested").first)
        #expect(audit.actor == "api:ops")
        #expect(audit.subject == "kbh-status")
    }

    @Test func theSameIdempotencyKeyReturnsTheSameRun() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        try await fx.test { client in
            var headers = Self.auth
            headers[.init("Idempotency-Key")!] = "airflow-dag-42-2026-11-23"
            var first = 0
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers) { response in
                #expect(response.status == .accepted)
                first = (try Self.json(response)["run"] as! [String: Any])["id"] as! Int
            }
            for _ in 0..<3 {
                try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers) { response in
                    #expect(response.status == .ok)
                    let body = try Self.json(response)
                    #expect(body["request"] as? String == "replayed")
                    #expect((body["run"] as? [String: Any])?["id"] as? Int == first)
                }
            }
            try await client.execute(uri: "/api/v1/extracts/kbh-changes/runs", method: .post, headers: headers) { response in
                #expect(response.status == .unprocessableContent)
            }
            headers[.init("Idempotency-Key")!] = "has space"
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try fx.store.runs().count == 1)
    }

    @Test func theSameKeyWithAnotherBodyIsRefusedNotReplayed() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        try await fx.test { client in
            var headers = Self.auth
            headers[.init("Idempotency-Key")!] = "key-k"
            var first = 0
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"date": "2026-11-30"}"#)) { response in
                #expect(response.status == .accepted)
                first = (try Self.json(response)["run"] as! [String: Any])["id"] as! Int
            }
            for other in [#"{"date": "2026-11-27"}"#, #"{"date": "2026-11-30", "rerun": true}"#, ""] {
                try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers,
                                         body: ByteBuffer(string: other)) { response in
                    #expect(response.status == .unprocessableContent, "\(other)")
                    let error = try Self.json(response)["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "idempotency-key-reused")
                    #expect((error?["message"] as? String)?.contains("run \(first)") == true)
                }
            }
            // The same body is still a replay.
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"date": "2026-11-30"}"#)) { response in
                #expect(response.status == .ok)
                let answer = try Self.json(response)
                #expect(answer["request"] as? String == "replayed")
            }
        }
        #expect(try fx.store.runs().map(\.productionDate) == ["2026-11-30"])
    }

    @Test func aBurstForOneDateMakesOneRunAndAReRunIsExplicit() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        let body = #"{"date": "2026-11-30"}"#
        try await fx.test { client in
            // 20 requests at once while a worker claims what is queued as soon as it appears
            // (as serve's scheduler does): one run, whatever the interleaving.
            let stop = Atomic<Bool>(false)
            // It looks every 5 ms rather than spinning: a spinning claimer is a core
            // taken from the server under test, which starves it on a busy machine.
            let claimer = Task {
                while !stop.load(ordering: .relaxed) {
                    try await BlockingExecutor.shared.run {
                        if let queued = try fx.store.runs(state: .queued).first { _ = try fx.runner.claim(queued.id!) }
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                                 body: ByteBuffer(string: body)) { response in
                            try Self.json(response)["request"] as? String ?? "?"
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            stop.store(true, ordering: .relaxed)
            try await claimer.value
            #expect(outcomes.filter { $0 == "accepted" }.count == 1, "\(outcomes)")
            #expect(Set(outcomes).isSubset(of: ["accepted", "coalesced", "joined"]), "\(outcomes)")
            let runs = try fx.store.runs()
            #expect(runs.count == 1, "\(runs.map { "\($0.id ?? 0) \($0.state.rawValue)" })")

            // Once produced, the same request queues nothing and names the run.
            let run = try #require(runs.first)
            if run.state == .queued { _ = try fx.runner.claim(run.id!) }
            _ = try fx.runner.execute(try #require(try fx.store.run(id: run.id!)))
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let answer = try Self.json(response)
                #expect(answer["request"] as? String == "already-produced")
                #expect((answer["run"] as? [String: Any])?["id"] as? Int == Int(run.id!))
            }
            // An explicit re-run is queued, and audited as one.
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                     body: ByteBuffer(string: #"{"date": "2026-11-30", "rerun": true}"#)) { response in
                #expect(response.status == .accepted)
                let answer = try Self.json(response)
                #expect(answer["request"] as? String == "accepted")
            }
        }
        #expect(try fx.store.runs().count == 2)
        let rerun = try #require(try fx.store.auditLog(action: "extract.rerun").first)
        #expect(rerun.actor == "api:ops" && rerun.detail.contains("2026-11-30"))
    }

    @Test func aRequestDuringARunIsQueuedOnceAndBadRequestsAreRefused() async throws {
        let fx = try Fixture()
        defer { fx.tearDown() }
        // A backfill of another day is in flight; today's file waits its turn behind it.
        let inFlight = try fx.runner.request("kbh-status", date: CivilDate(iso: "2026-11-20"), trigger: .manual, actor: "ops")
        _ = try #require(try fx.runner.claim(inFlight.run.id!))
        try await fx.test { client in
            var queued = 0
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth) { response in
                let body = try Self.json(response)
                #expect(body["request"] as? String == "queued-behind")
                #expect(body["in_flight_run"] as? Int == Int(inFlight.run.id!))
                queued = (body["run"] as! [String: Any])["id"] as! Int
            }
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth) { response in
                let body = try Self.json(response)
                #expect(body["request"] as? String == "coalesced")
                #expect((body["run"] as? [String: Any])?["id"] as? Int == queued)
            }
            // The queued run can be cancelled once; the running one cannot.
            try await client.execute(uri: "/api/v1/runs/\(queued)/cancel", method: .post, headers: Self.auth) { response in
                let body = try Self.json(response)
                #expect(response.status == .ok)
                #expect(body["state"] as? String == "cancelled")
                #expect(body["error"] as? String == "cancelled by api:ops")
            }
            for id in [queued, Int(inFlight.run.id!)] {
                try await client.execute(uri: "/api/v1/runs/\(id)/cancel", method: .post, headers: Self.auth) { response in
                    #expect(response.status == .conflict)
                }
            }
            try await client.execute(uri: "/api/v1/extracts/no-such/runs", method: .post, headers: Self.auth) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                     body: ByteBuffer(string: #"{"date": "2026-02-30"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("2026-02-30"))
            }
            // Bad bodies are described in the request's terms, never with Swift's decoding errors.
            for (body, says) in [("not json", "the body is not valid JSON"), (#"{"date": 5}"#, #""date" must be a string, e.g. "2026-11-23""#),
                                 ("[1]", "the body must be a JSON object")] {
                try await client.execute(uri: "/api/v1/extracts/kbh-status/runs", method: .post, headers: Self.auth,
                                         body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    let message = try #require((try Self.json(response)["error"] as? [String: Any])?["message"] as? String)
                    #expect(message.contains(says) && message.contains(#"{"date": "2026-11-23"}"#), "\(body): \(message)")
                    #expect(!message.contains("codingPath") && !message.contains("Expected to decode") && !message.contains("DecodingError"),
                            "\(body): \(message)")
                }
            }
        }
        #expect(try fx.store.runs().count == 2)
        #expect(try fx.store.auditLog(action: "extract.cancelled").first?.actor == "api:ops")
    }

    @Test func gatewayAuditAndTargetsOverHTTP() async throws {
        let f = try Fixture()
        defer { f.tearDown() }
        let now = Date()
        try f.store.recordGatewayCalls([
            GatewayCall(at: now, requestID: "r1", operation: "cpr.person", system: "modtager", municipality: "0101",
                        service: "cpr-lookup", status: 200, outcome: "ok", durationMs: 2, bytes: 700),
            GatewayCall(at: now, requestID: "r2", operation: "cpr.person", system: "modtager", municipality: "0101",
                        service: "cpr-lookup", status: 504, outcome: "timeout", durationMs: 1002, bytes: 300, breach: "server"),
        ])
        try await f.test { client in
            try await client.execute(uri: "/api/v1/gateway/calls", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/gateway/calls?breaches=true", method: .get, headers: Self.auth) { response in
                #expect(response.status == .ok)
                let calls = try #require(try Self.json(response)["calls"] as? [[String: Any]])
                #expect(calls.count == 1 && calls.first?["request_id"] as? String == "r2" && calls.first?["breach"] as? String == "server")
            }
            try await client.execute(uri: "/api/v1/gateway/calls?outcome=fine", method: .get, headers: Self.auth) { response in
                #expect(response.status == .badRequest && String(buffer: response.body).contains("outcome must be one of"))
            }
            try await client.execute(uri: "/api/v1/gateway/targets?hours=1", method: .get, headers: Self.auth) { response in
                #expect(response.status == .ok)
                let ops = try #require(try Self.json(response)["operations"] as? [[String: Any]])
                let person = try #require(ops.first { $0["operation"] as? String == "cpr.person" })
                #expect(person["calls"] as? Int == 2 && person["server_breaches"] as? Int == 1)
                #expect(person["service_class"] as? String == "simple" && person["limit_seconds"] as? Double == 1)
            }
            try await client.execute(uri: "/api/v1/gateway/targets?hours=0", method: .get, headers: Self.auth) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func tokensAreReadSafelyAndComparedByValue() throws {
        #expect(throws: AdminAPIError.self) {
            try OperatorTokens([APIToken(name: "ops", secret: SecretSource(env: "MISSING"))], environment: [:])
        }
        #expect(throws: AdminAPIError.self) {
            try OperatorTokens([APIToken(name: "ops", secret: SecretSource(env: "SHORT"))], environment: ["SHORT": "abc"])
        }
        let path = NSTemporaryDirectory() + "token-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "\(Self.token)\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect {
            try OperatorTokens([APIToken(name: "ops", secret: SecretSource(file: path))])
        } throws: { error in
            (error as? AdminAPIError)?.message.contains("chmod 600") == true
        }
        chmod(path, 0o600)
        let tokens = try OperatorTokens([APIToken(name: "file", secret: SecretSource(file: path)),
                                         APIToken(name: "env", secret: SecretSource(env: "T"))],
                                        environment: ["T": String(repeating: "e", count: 32)])
        #expect(tokens.authenticate(Self.token) == "file")
        #expect(tokens.authenticate(String(repeating: "e", count: 32)) == "env")
        #expect(tokens.authenticate(String(Self.token.dropLast())) == nil)
        #expect(tokens.authenticate("") == nil)
    }

    @Test func theConfigurationRefusesTokensWrittenIntoIt() throws {
        let text = """
            api:
              listen: 0.0.0.0:8480
              tokens: [{ name: ops, token: secret }]
            """
        #expect {
            try ConfigurationFile.parse(text, path: "api.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.contains("api.yaml:2") && message.contains("not a loopback address")
                && message.contains("api.yaml:3") && message.contains("must not be written in the configuration")
        }
    }
}
