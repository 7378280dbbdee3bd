import Foundation
import Hummingbird
import Store

/// The lookup gateway's audit over HTTP, mirroring `udtraek gateway`:
/// - `GET /api/v1/gateway/calls?system=S&outcome=O&breaches=true&limit=N`: `{"calls": [...]}`,
///   newest first (the audit rows: never person data).
/// - `GET /api/v1/gateway/targets?hours=H`: `{"hours": H, "operations": [...]}`, each operation
///   with its class and limit, calls, breaches on each side, and p50/p99/max time.
extension AdminAPI {
    func addGatewayRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/gateway/calls") { request, _ in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int(String($0)) } ?? 100
            guard (1...10_000).contains(limit) else { throw APIProblem(.badRequest, "invalid-limit", "limit must be 1...10000") }
            let outcome = query["outcome"].map(String.init)
            if let outcome, !GatewayCall.outcomes.contains(outcome) {
                throw APIProblem(.badRequest, "invalid-outcome", "outcome must be one of \(GatewayCall.outcomes.joined(separator: ", "))")
            }
            let breaches = query["breaches"].map(String.init)
            guard breaches == nil || breaches == "true" || breaches == "false" else {
                throw APIProblem(.badRequest, "invalid-breaches", "breaches is true or false")
            }
            let system = query["system"].map(String.init)
            struct Page: Encodable { var calls: [GatewayCall] }
            let calls = try await blocking {
                try store.gatewayCalls(limit: limit, system: system, outcome: outcome, breachesOnly: breaches == "true")
            }
            return try JSONBody.response(Page(calls: calls))
        }
        api.get("/gateway/targets") { request, _ in
            let hours = request.uri.queryParameters["hours"].flatMap { Double(String($0)) } ?? 24
            guard hours > 0, hours <= 24 * 366 else { throw APIProblem(.badRequest, "invalid-hours", "hours must be more than 0 and at most 8784") }
            struct Report: Encodable { var hours: Double; var operations: [OperationTargetReport] }
            let since = clock.date.addingTimeInterval(-hours * 3600)
            let summaries = try await blocking { try store.gatewayServiceSummary(since: since) }
            return try JSONBody.response(Report(hours: hours, operations: OperationTargetReport.reports(summaries)))
        }
    }
}
