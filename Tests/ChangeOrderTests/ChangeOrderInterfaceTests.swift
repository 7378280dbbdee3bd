import AdminAPI
import ChangeOrders
import Extracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing
import UdtraekTesting

/// The admin API's change routes (with a token) and the CLI's happy path.
@Suite struct ChangeOrderInterfaceTests {
    static let token = "0123456789abcdef0123456789abcdef"

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
    }

    @Test func apiSubmitShowAndList() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let tokens = try OperatorTokens([APIToken(name: "ops", secret: SecretSource(env: "OPS_TOKEN"))], environment: ["OPS_TOKEN": Self.token])
        let api = AdminAPI(store: fx.store, runner: ExtractRunner(store: fx.store, stateDirectory: fx.directory + "/spool"), tokens: tokens,
                           changeDesk: fx.desk)
        let auth: HTTPFields = [.authorization: "Bearer \(Self.token)", .contentType: "application/json"]
        let body = #"{"system": "modtager", "kind": "monitoring", "order_id": "B-900", "collect_within": "2h", "warning_before": "30m", "reason": "faster pickup"}"#
        try await api.application(host: "127.0.0.1", port: 0).test(.live) { client in
            // No token: nothing is recorded.
            try await client.execute(uri: "/api/v1/changes", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .unauthorized)
            }
            var id = 0
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let answer = try Self.json(response)
                let order = try #require(answer["order"] as? [String: Any])
                #expect(order["state"] as? String == "accepted")
                #expect(order["submitted_by"] as? String == "api:ops")
                #expect(order["order_ref"] as? String == "B-900")
                id = order["id"] as? Int ?? 0
                #expect(response.headers[.location] == "/api/v1/changes/\(id)")
                #expect((answer["receipts"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["received", "accepted"])
            }
            // Rejected: 422 with every reason in the rejected receipt.
            let bad = #"{"system": "ukendt", "kind": "host-key", "fingerprints": ["nope"]}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .unprocessableContent)
                let receipts = try #require(Self.json(response)["receipts"] as? [[String: Any]])
                let reasons = receipts.last?["reasons"] as? [String] ?? []
                #expect(reasons.contains { $0.contains("unknown system") })
                #expect(reasons.contains { $0.contains("missing BestillingsID") })
            }
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: #"{"system": "modtager", "kind": "dns"}"#)) { response in
                #expect(response.status == .badRequest)
            }
            _ = try await fx.executor.runDue()
            try await client.execute(uri: "/api/v1/changes/\(id)", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                let answer = try Self.json(response)
                #expect((answer["order"] as? [String: Any])?["state"] as? String == "completed")
                #expect((answer["receipts"] as? [[String: Any]])?.map { $0["kind"] as? String }
                        == ["received", "accepted", "carried-out", "verified", "completed"])
            }
            try await client.execute(uri: "/api/v1/changes/999", method: .get, headers: auth) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/changes?system=modtager", method: .get, headers: auth) { response in
                let changes = try Self.json(response)["changes"] as? [[String: Any]]
                #expect(changes?.count == 1)
            }
        }
        let audit = try fx.store.auditLog(action: "change.accepted")
        #expect(audit.first?.actor == "api:ops")
        #expect(audit.first?.detail.contains("faster pickup") == true)
    }

    @Test func cliHappyPath() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let state = ["--state", fx.directory + "/spool"]
        let submitted = try await UdtraekCLI.runDetached(["change", "submit", "--system", "modtager", "--kind", "monitoring",
                                                          "--order-id", "B-42", "--collect-within", "6h", "--warning-before", "1h",
                                                          "--reason", "receiver runs at night", "--actor", "ops-bo"] + state)
        #expect(submitted.status == 0, "\(submitted.output)")
        #expect(submitted.output.contains("accepted"))
        let id = try #require(try fx.store.changeOrders().first?.id)

        let ran = try await UdtraekCLI.runDetached(["change", "run-due", "--json"] + state)
        #expect(ran.status == 0, "\(ran.output)")
        #expect(ran.output.contains("\"completed\" : [\n    \(id)"))

        let shown = try await UdtraekCLI.runDetached(["change", "show", "\(id)"] + state)
        for receipt in ["received", "accepted", "carried-out", "verified", "completed"] {
            #expect(shown.output.contains(receipt), "\(shown.output)")
        }
        let listed = try await UdtraekCLI.runDetached(["change", "list", "--system", "modtager", "--json"] + state)
        #expect(listed.output.contains("\"order_ref\" : \"B-42\""), "\(listed.output)")
        #expect(try fx.store.configuration().monitoring.receiver("modtager")?.rules.first?.collectWithinSeconds == 6 * 3600)

        let rejected = try await UdtraekCLI.runDetached(["change", "submit", "--system", "modtager", "--kind", "inbox", "--port", "0"] + state)
        #expect(rejected.status == 1)
        #expect(rejected.output.contains("missing BestillingsID") && rejected.output.contains("outside 1...65535"), "\(rejected.output)")
    }
}
