import Foundation
import Hummingbird
import HummingbirdTesting
import Store
import Testing

/// `GET /api/v1/transfers` and `GET /api/v1/transfers/{id}`: the same view as `udtraek transfers`.
@Suite struct TransfersAPITests {
    @Test func transfersAreListedFilteredAndShownWithTheirHistory() async throws {
        let f = try AdminAPITests.Fixture()
        defer { f.tearDown() }
        let now = Date()
        let (accepted, _) = try f.store.acceptTransfer(
            TransferRecord(sender: "afsender", fileName: "doc.xml", sendersFileId: UUID().uuidString.lowercased(),
                           fileTransferUUID: UUID().uuidString.lowercased(), state: .accepted, bytes: 12, sha256: "ab",
                           localPath: f.directory + "/transfers/x", recipients: ["modtager"], receivedAt: now, updatedAt: now),
            deliveries: [("modtager", "bd71a7fa-222d-4f84-9142-2a011a710026")],
            events: [("received", "OUT/doc.xml"), ("accepted", "queued for modtager")], actor: "test")
        let rejected = try f.store.rejectTransfer(
            TransferRecord(sender: "afsender", fileName: "bad.xml", sendersFileId: nil, state: .rejected,
                           reasons: ["wrong-sender: Sender is 'x'"], fingerprint: "f", receivedAt: now, updatedAt: now),
            events: [("rejected", "Sender is 'x'")], actor: "test")
        try await f.test { client in
            try await client.execute(uri: "/api/v1/transfers", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/transfers", method: .get, headers: AdminAPITests.auth) { response in
                #expect(response.status == .ok)
                let rows = try #require(try AdminAPITests.json(response)["transfers"] as? [[String: Any]])
                #expect(rows.count == 2)
                #expect(rows.compactMap { $0["progress"] as? String }.sorted() == ["queued", "rejected"])
            }
            try await client.execute(uri: "/api/v1/transfers?recipient=modtager&state=accepted", method: .get,
                                     headers: AdminAPITests.auth) { response in
                let rows = try #require(try AdminAPITests.json(response)["transfers"] as? [[String: Any]])
                #expect(rows.count == 1)
                let recipients = try #require(rows.first?["recipients"] as? [[String: Any]])
                #expect(recipients.first?["system"] as? String == "modtager" && recipients.first?["outbox_state"] as? String == "ready")
            }
            try await client.execute(uri: "/api/v1/transfers/\(accepted.id ?? 0)", method: .get, headers: AdminAPITests.auth) { response in
                #expect(response.status == .ok)
                let body = try AdminAPITests.json(response)
                let history = try #require(body["history"] as? [[String: Any]])
                #expect(history.compactMap { $0["event"] as? String } == ["received", "accepted"])
            }
            try await client.execute(uri: "/api/v1/transfers/\(rejected.id ?? 0)", method: .get, headers: AdminAPITests.auth) { response in
                let transfer = try #require(try AdminAPITests.json(response)["transfer"] as? [String: Any])
                #expect(transfer["reasons"] as? [String] == ["wrong-sender: Sender is 'x'"])
            }
            try await client.execute(uri: "/api/v1/transfers/999", method: .get, headers: AdminAPITests.auth) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/transfers?state=lost", method: .get, headers: AdminAPITests.auth) { response in
                #expect(response.status == .badRequest && String(buffer: response.body).contains("state must be one of"))
            }
        }
    }
}
