import Hummingbird
import SourceStubs

/// The gateway's HTTP operations. Every one needs the invocation context headers (see
/// `InvocationContext`) and, over TLS, the calling system's client certificate.
///
/// | method and path | operation | service | class |
/// |---|---|---|---|
/// | `GET /cpr/persons/{pnr}` | person by PNR | cpr-lookup | simple |
/// | `GET /cpr/persons?name=&road=&page=&pageSize=` | search in the municipality | cpr-lookup | medium |
/// | `GET /cpr/population?format=ndjson\|cpr` | the municipality's population, streamed | cpr-population | large |
/// | `GET /kle/nodes/{number-or-uuid}` | one KLE node | kle-lookup | simple |
/// | `GET /kle/nodes/{number-or-uuid}/subtree` | a node and all below it | kle-lookup | medium |
/// | `GET /kle/plan` | the whole emneplan as XML, streamed | kle-plan | large |
enum GatewayRoutes {
    static func register(on router: Router<GatewayRequestContext>, handler: GatewayCallHandler) {
        router.get("/cpr/persons/:pnr") { request, context in
            let pnr = context.parameters.get("pnr") ?? ""
            let day = handler.today()
            return await handler.respond(.cprPerson, request, context) { call, _ throws(GatewayFault) in
                try handler.cpr.person(pnr: pnr, municipality: call.municipality.code, on: day).get()
            }
        }
        router.get("/cpr/persons") { request, context in
            let q = request.uri.queryParameters
            let name = q["name"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let road = q["road"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            let page = q["page"].map { Int($0) } ?? 1
            let pageSize = q["pageSize"].map { Int($0) } ?? 20
            let day = handler.today()
            return await handler.respond(.cprSearch, request, context) { call, deadline throws(GatewayFault) in
                guard name != nil || road != nil else {
                    throw GatewayFault(status: 400, code: "missing-parameter", message: "give name, road or both to search by", field: "name")
                }
                guard let page, page >= 1 else {
                    throw GatewayFault(status: 400, code: "malformed-parameter", message: "page is a whole number from 1", field: "page")
                }
                guard let pageSize, (1...100).contains(pageSize) else {
                    throw GatewayFault(status: 400, code: "malformed-parameter", message: "pageSize is a whole number from 1 to 100", field: "pageSize")
                }
                return try handler.cpr.search(name: name, road: road, municipality: call.municipality.code, on: day,
                                              page: page, pageSize: pageSize, deadline: deadline)
            }
        }
        router.get("/cpr/population") { request, context in
            let formatText = request.uri.queryParameters["format"].map(String.init) ?? "ndjson"
            let day = handler.today()
            let population = handler.cpr.population
            return await handler.stream(.cprPopulation, request, context, contentType: { _ throws(GatewayFault) in
                try populationFormat(formatText).contentType
            }, produce: { call throws(GatewayFault) in
                LargeResponseProducer.cprPopulation(population, municipality: call.municipality.code, date: day,
                                                    format: try populationFormat(formatText))
            })
        }
        router.get("/kle/nodes/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await handler.respond(.kleNode, request, context) { _, deadline throws(GatewayFault) in
                try kleService(handler).node(id, subtree: false, deadline: deadline)
            }
        }
        router.get("/kle/nodes/:id/subtree") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await handler.respond(.kleSubtree, request, context) { _, deadline throws(GatewayFault) in
                try kleService(handler).node(id, subtree: true, deadline: deadline)
            }
        }
        router.get("/kle/plan") { request, context in
            let day = handler.today()
            let plan = handler.kle.plan
            return await handler.stream(.klePlan, request, context, contentType: { _ throws(GatewayFault) in
                "application/xml; charset=utf-8"
            }, produce: { _ throws(GatewayFault) in
                LargeResponseProducer.klePlan(plan, date: day)
            })
        }
    }

    static func populationFormat(_ text: String) throws(GatewayFault) -> PopulationFormat {
        guard let f = PopulationFormat(rawValue: text) else {
            throw GatewayFault(status: 400, code: "malformed-parameter",
                               message: "format is one of \(PopulationFormat.allCases.map(\.rawValue).joined(separator: ", "))", field: "format")
        }
        return f
    }

    static func kleService(_ handler: GatewayCallHandler) throws(GatewayFault) -> KLEService {
        do { return try handler.kle.service(on: handler.today()) } catch {
            throw GatewayFault(status: 500, code: "source-failed", message: "the KLE plan in force could not be built: \(error)")
        }
    }
}
