import AdminAPI
import ChangeOrders
import Extracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

/// Issue 11, item 1, remote: `POST /api/v1/changes` with a duration past Int.max seconds
/// killed `serve` (curl got an empty reply). It is a 422 with the reason, and the server
/// answers the next request.
@Suite struct ChangeOrderHostileAPITests {
    /// The rejection reasons of a 422 answer.
    static func reasons(_ response: TestResponse) throws -> [String] {
        let receipts = try #require(try ChangeOrderInterfaceTests.json(response)["receipts"] as? [[String: Any]])
        return receipts.last?["reasons"] as? [String] ?? []
    }

    @Test func anOverflowingDurationIsA422WithTheReason() async throws {
        let fx = try ChangeOrderFixture()
        defer { fx.tearDown() }
        let token = ChangeOrderInterfaceTests.token
        let api = AdminAPI(store: fx.store, runner: ExtractRunner(store: fx.store, stateDirectory: fx.directory + "/spool"),
                           tokens: try OperatorTokens([APIToken(name: "ops", secret: SecretSource(env: "T"))], environment: ["T": token]),
                           changeDesk: fx.desk)
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        try await api.application(host: "127.0.0.1", port: 0).test(.live) { client in
            let overflow = #"{"system":"modtager","kind":"monitoring","order_id":"X","pattern":"D*","collect_within":"200000000000000d"}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: overflow)) { response in
                #expect(response.status == .unprocessableContent)
                let reasons = try Self.reasons(response)
                #expect(reasons.contains { $0.contains("collect-within '200000000000000d' is longer than 3650d (10 years)") }, "\(reasons)")
            }
            let longID = #"{"system":"modtager","kind":"monitoring","order_id":"\#(String(repeating: "B", count: 10_000))","collect_within":"2h"}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: longID)) { response in
                #expect(response.status == .unprocessableContent)
                let reasons = try Self.reasons(response)
                #expect(reasons.contains { $0.contains("at most 64") }, "\(reasons)")
            }
            let control = #"{"system":"modtager","kind":"monitoring","order_id":"Y","reason":"a\u001b[2Jb","collect_within":"2h"}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: control)) { response in
                #expect(response.status == .unprocessableContent)
                let reasons = try Self.reasons(response)
                #expect(reasons.contains { $0.contains("reason 'a\\u{1B}[2Jb' holds the control character U+001B") }, "\(reasons)")
            }
            // A Copenhagen time in the spring gap is named as such, with the times to use
            // instead; a huge or control-laden `at` is not echoed back raw.
            let gap = #"{"system":"modtager","kind":"monitoring","order_id":"Z","at":"2027-03-28 02:30","pattern":"D*","collect_within":"2h"}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: gap)) { response in
                #expect(response.status == .badRequest)
                let body = String(buffer: response.body)
                #expect(body.contains("does not exist in Europe") && body.contains("2027-03-28 03:00"), "\(body)")
            }
            let huge = #"{"system":"modtager","kind":"monitoring","order_id":"Z","at":"\#(String(repeating: "9", count: 10_000))\u0007","pattern":"D*"}"#
            try await client.execute(uri: "/api/v1/changes", method: .post, headers: auth, body: ByteBuffer(string: huge)) { response in
                #expect(response.status == .badRequest)
                let body = String(buffer: response.body)
                #expect(body.contains("is not a time") && body.utf8.count < 2_000 && !body.contains("\u{7}"), "\(body.prefix(300))")
            }
            // Still serving.
            try await client.execute(uri: "/api/v1/changes", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
