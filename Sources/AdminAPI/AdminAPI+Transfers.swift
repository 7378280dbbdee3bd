import Foundation
import Hummingbird
import Store

/// Files routed between systems over HTTP, mirroring `udtraek transfers`:
/// - `GET /api/v1/transfers?sender=S&recipient=R&state=accepted|delivered|rejected&limit=N`:
///   `{"transfers": [{"transfer": ..., "recipients": [...], "progress": "..."}]}`, newest first.
/// - `GET /api/v1/transfers/{id}`: one transfer with its recipients and its history
///   (received, checked, accepted or rejected, receipts, each delivery attempt, pickups).
extension AdminAPI {
    struct TransferView: Encodable, Sendable {
        var transfer: TransferRecord
        var progress: String
        var recipients: [TransferRecipient]
        var history: [TransferHistoryLine]?
    }

    func addTransferRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/transfers") { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 100
            guard (1...1000).contains(limit) else { throw APIProblem(.badRequest, "invalid-limit", "limit must be 1...1000") }
            var states: [TransferState]?
            if let text = query["state"].map(String.init) {
                guard let state = TransferState(rawValue: text) else {
                    throw APIProblem(.badRequest, "invalid-state",
                                     "state must be one of \(TransferState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                states = [state]
            }
            let sender = query["sender"].map(String.init)
            let recipient = query["recipient"].map(String.init)
            struct Page: Encodable { var transfers: [TransferView] }
            let filter = states
            let rows = try await blocking { try store.transfers(sender: sender, recipient: recipient, states: filter, limit: limit) }
            return try JSONBody.response(Page(transfers: rows.map {
                TransferView(transfer: $0.transfer, progress: $0.progress, recipients: $0.recipients, history: nil)
            }))
        }
        api.get("/transfers/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw APIProblem(.badRequest, "invalid-transfer-id", "the transfer id must be a whole number")
            }
            let view = try await blocking { () throws -> TransferView in
                guard let s = try store.transferSummary(id: id) else {
                    throw APIProblem(.notFound, "unknown-transfer", "there is no transfer \(id); GET /api/v1/transfers lists them")
                }
                return TransferView(transfer: s.transfer, progress: s.progress, recipients: s.recipients,
                                    history: try store.transferHistory(id: id))
            }
            return try JSONBody.response(view)
        }
    }
}
