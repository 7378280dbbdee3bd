import Hummingbird
import NIOCore
import Store

/// The CPR subscription service's two bindings. Both go through the gateway's call path
/// (client certificate, invocation context, an approved `cpr-subscription` agreement,
/// audit, service targets): one add or remove is a simple call, `GetAllFilters` a medium one.
///
/// REST (JSON answers `{"operation":..., "result":"ADDED"}`):
///
/// | method and path | operation |
/// |---|---|
/// | `PUT` / `DELETE /cpr/subscriptions/pnrs/{pnr}` | `AddPNRSubscription` / `RemovePNRSubscription` |
/// | `PUT` / `DELETE /cpr/subscriptions/municipalities/{code}` | `Add`/`RemoveMunicipalityCodeSubscription` |
/// | `PUT` / `DELETE /cpr/subscriptions/change-codes/{code}` | `Add`/`RemoveChangeCodeSubscription` |
/// | `GET /cpr/subscriptions?page=&pageSize=` | `GetAllFilters` |
///
/// SOAP 1.1: `POST /soap/CprSubscriptionService/1` with the operation element in the Body
/// (namespace `SOAPEnvelope.serviceNamespace`), e.g.
/// `<ns:AddPNRSubscription><ns:PNR>0101901234</ns:PNR></ns:AddPNRSubscription>`, answered
/// with `<ns:AddPNRSubscriptionResponse><ns:Result>ADDED</ns:Result>...`. The invocation
/// context may come as headers or as an `InvocationContext` element in the envelope.
enum SubscriptionRoutes {
    static let soapPath = "/soap/CprSubscriptionService/1"

    static func register(on router: Router<GatewayRequestContext>, handler: GatewayCallHandler) {
        let changes: [(String, SubscriptionService.Operation, SubscriptionService.Operation)] = [
            ("pnrs", .addPNR, .removePNR),
            ("municipalities", .addMunicipality, .removeMunicipality),
            ("change-codes", .addChangeCode, .removeChangeCode),
        ]
        for (path, add, remove) in changes {
            for (method, op) in [(HTTPRequest.Method.put, add), (.delete, remove)] {
                router.on(RouterPath("/cpr/subscriptions/\(path)/:value"), method: method) { request, context in
                    let value = context.parameters.get("value") ?? ""
                    return await handler.respond(.subscriptionChange, request, context) { call, deadline in
                        await change(handler, op, value: value, call: call, deadline: deadline).map { code in
                            var w = JSONWriter()
                            w.beginObject()
                            w.field("operation", op.rawValue)
                            w.field("result", code.rawValue)
                            w.endObject()
                            return w.bytes
                        }
                    }
                }
            }
        }
        router.get("/cpr/subscriptions") { request, context in
            let q = request.uri.queryParameters
            let (page, size) = (q["page"].map(String.init), q["pageSize"].map(String.init))
            return await handler.respond(.subscriptionFilters, request, context) { call, deadline in
                await filters(handler, call: call, page: page, pageSize: size, deadline: deadline).map(json)
            }
        }
        router.post(RouterPath(soapPath)) { request, context in
            let body = try await request.body.collect(upTo: SOAPEnvelope.maximumRequestBytes + 1)
            return await soap(handler, request, context, bytes: Array(buffer: body))
        }
    }

    static func soap(_ handler: GatewayCallHandler, _ request: Request, _ context: GatewayRequestContext, bytes: [UInt8]) async -> Response {
        let parsed: SOAPEnvelope.Request
        switch SOAPEnvelope.parse(bytes) {
        case .failure(let fault):
            return await handler.respond(.subscriptionChange, request, context, binding: .soap) { _, _ in .failure(fault) }
        case .success(let p):
            parsed = p
        }
        guard let op = SubscriptionService.Operation(rawValue: parsed.operation) else {
            let fault = SOAPEnvelope.clientFault("the operation \(parsed.operation) is not one of \(SubscriptionService.Operation.allCases.map(\.rawValue).joined(separator: ", "))")
            return await handler.respond(.subscriptionChange, request, context, binding: .soap, contextFields: parsed.context) { _, _ in .failure(fault) }
        }
        if op == .getAllFilters {
            return await handler.respond(.subscriptionFilters, request, context, binding: .soap, contextFields: parsed.context) { call, deadline in
                await filters(handler, call: call, page: parsed.values["Page"], pageSize: parsed.values["PageSize"], deadline: deadline).map { p in
                    SOAPEnvelope.response(op.rawValue, [
                        ("PNR", p.pnrs), ("MunicipalityCode", p.municipalities), ("ChangeCode", p.changeCodes),
                        ("Page", [String(p.page)]), ("PageSize", [String(p.pageSize)]), ("TotalPNRs", [String(p.totalPNRs)]),
                        ("HasMore", [p.hasMore ? "true" : "false"]),
                    ])
                }
            }
        }
        guard let value = parsed.values[op.valueName] else {
            let fault = GatewayFault(status: 400, code: "missing-parameter",
                                     message: "\(op.rawValue) needs the element \(op.valueName)", field: op.valueName)
            return await handler.respond(.subscriptionChange, request, context, binding: .soap, contextFields: parsed.context) { _, _ in .failure(fault) }
        }
        return await handler.respond(.subscriptionChange, request, context, binding: .soap, contextFields: parsed.context) { call, deadline in
            await change(handler, op, value: value, call: call, deadline: deadline).map { code in
                SOAPEnvelope.response(op.rawValue, [("Result", [code.rawValue])])
            }
        }
    }

    /// One add or remove on the executor (a store write).
    static func change(_ handler: GatewayCallHandler, _ op: SubscriptionService.Operation, value: String, call: AuthorisedCall,
                       deadline: Deadline) async -> Result<SubscriptionService.ResultCode, GatewayFault> {
        let (service, day, at) = (handler.subscriptions, handler.today(), handler.clock.date)
        return await handler.blocking(deadline) {
            Result { () throws(GatewayFault) in try service.change(op, value: value, call: call, on: day, at: at) }
        }
    }

    /// One page of the filters, read on the executor.
    static func filters(_ handler: GatewayCallHandler, call: AuthorisedCall, page: String?, pageSize: String?,
                        deadline: Deadline) async -> Result<SubscriptionService.FiltersPage, GatewayFault> {
        let parsed: (page: Int, size: Int)
        do { parsed = try SubscriptionService.page(page, pageSize) } catch { return .failure(error) }
        let service = handler.subscriptions
        return await handler.blocking(deadline) {
            Result { () throws(GatewayFault) in try service.filters(call: call, page: parsed.page, pageSize: parsed.size) }
        }
    }

    static func json(_ p: SubscriptionService.FiltersPage) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.field("operation", SubscriptionService.Operation.getAllFilters.rawValue)
        for (key, values) in [("pnrs" as StaticString, p.pnrs), ("municipalityCodes", p.municipalities), ("changeCodes", p.changeCodes)] {
            w.key(key)
            w.beginArray()
            for v in values { w.value(v) }
            w.endArray()
        }
        w.field("page", p.page)
        w.field("pageSize", p.pageSize)
        w.field("totalPnrs", p.totalPNRs)
        w.field("hasMore", p.hasMore)
        w.endObject()
        return w.bytes
    }
}
