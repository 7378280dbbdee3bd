import ChangeOrders
import Foundation
import Hummingbird
import Store

/// Change orders over HTTP, mirroring `udtraek change`:
/// - `POST /api/v1/changes` with `{"system", "kind", "order_id", "at", "reason", ...}` and the
///   kind's fields as the CLI names them with underscores (`collect_within`, `private_key`,
///   `fingerprints`, `certificate` (PEM text), `infref`, ...): 201 with the order and its receipts when accepted, 422 with the
///   same body when rejected (the reasons are in the `rejected` receipt); `Location` either way.
/// - `GET /api/v1/changes/{id}`: the order and every receipt.
/// - `GET /api/v1/changes?system=S&limit=N`: `{"changes": [...]}`, newest first.
/// The operator token's name is who submitted it (`api:NAME`) in the order and the audit log.
extension AdminAPI {
    struct ChangeView: Encodable, Sendable {
        var order: ChangeOrder
        var receipts: [ChangeReceipt]
    }

    func addChangeRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.post("/changes") { request, context in try await submitChange(request, context) }
        api.get("/changes/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw APIProblem(.badRequest, "invalid-change-id", "the change order id must be a whole number")
            }
            let view = try await blocking { () throws -> ChangeView in
                guard let order = try store.changeOrder(id: id) else {
                    throw APIProblem(.notFound, "unknown-change", "there is no change order \(id); GET /api/v1/changes lists them")
                }
                return ChangeView(order: order, receipts: try store.changeReceipts(orderId: id))
            }
            return try JSONBody.response(view)
        }
        api.get("/changes") { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 100
            guard (1...1000).contains(limit) else { throw APIProblem(.badRequest, "invalid-limit", "limit must be 1...1000") }
            let system = query["system"].map(String.init)
            struct Page: Encodable { var changes: [ChangeOrder] }
            return try JSONBody.response(Page(changes: try await blocking { try store.changeOrders(system: system, limit: limit) }))
        }
    }

    private func submitChange(_ request: Request, _ context: AdminRequestContext) async throws -> Response {
        var mutable = request
        let body = try await mutable.collectBody(upTo: 64 * 1024)
        struct Envelope: Decodable {
            var system: String
            var kind: String
            var orderId: String?
            var at: String?
            var reason: String?
            enum CodingKeys: String, CodingKey { case system, kind, orderId = "order_id", at, reason }
        }
        let example = #"{"system": "sag-kbh", "kind": "monitoring", "order_id": "B-123", "collect_within": "4h", "reason": "..."}"#
        let hints = ["at": #""2026-11-23T06:00""#, "port": "22", "remove_monitoring": "true", "fingerprints": #"["SHA256:..."]"#,
                     "collect_within": #""4h""#, "certificate": #""-----BEGIN CERTIFICATE-----\n...""#, "infref": #""KLE-Emneplan""#]
        let envelope = try RequestBodies.decode(Envelope.self, from: body, example: example, hints: hints)
        let changeRequest = try RequestBodies.decode(ChangeRequest.self, from: body, example: example, hints: hints)
        guard let kind = ChangeKind(rawValue: envelope.kind) else {
            throw APIProblem(.badRequest, "invalid-kind", "kind must be one of \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var at: Date?
        if let text = envelope.at {
            switch RequestedTime.read(text) {
            case .success(let parsed): at = parsed
            case .failure(let problem): throw APIProblem(.badRequest, "invalid-time", "at: \(problem)")
            }
        }
        let submission = ChangeSubmission(system: envelope.system, kind: kind, orderRef: envelope.orderId, at: at,
                                          reason: envelope.reason ?? "", submittedBy: "api:\(context.operatorName ?? "?")",
                                          request: changeRequest)
        return try await submit(submission)
    }

    /// Records an order and answers with it: 201 accepted, 422 rejected (with every reason).
    func submit(_ submission: ChangeSubmission) async throws -> Response {
        let (desk, store) = (changeDesk, store)
        let view = try await blocking { () throws -> ChangeView in
            let order = try desk.submit(submission)
            return ChangeView(order: order, receipts: try store.changeReceipts(orderId: order.id ?? 0))
        }
        if view.order.state == .accepted { changeSubmitted() }
        var headers = HTTPFields()
        headers[.location] = "/api/v1/changes/\(view.order.id ?? 0)"
        return try JSONBody.response(view, status: view.order.state == .accepted ? .created : .unprocessableContent, headers: headers)
    }
}
