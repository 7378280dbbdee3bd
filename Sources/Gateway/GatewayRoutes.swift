import Hummingbird
import SourceStubs
import Store

/// The gateway's HTTP operations. Every one needs the invocation context headers (see
/// `InvocationContext`) and, over TLS, the calling system's client certificate.
///
/// | method and path | operation | service | class | runs |
/// |---|---|---|---|---|
/// | `GET /cpr/persons/{pnr}` | person by PNR | cpr-lookup | simple | on the call's task |
/// | `GET /cpr/persons?name=&road=&page=&pageSize=` | search in the municipality | cpr-lookup | medium | executor |
/// | `GET /cpr/population?format=ndjson\|cpr` | the municipality's population, streamed | cpr-population | large | executor, a chunk per pull |
/// | `GET /kle/nodes/{number-or-uuid}` | one KLE node | kle-lookup | simple | on the call's task |
/// | `GET /kle/nodes/{number-or-uuid}/subtree` | a node and all below it | kle-lookup | medium | executor |
/// | `GET /kle/plan` | the whole emneplan as XML, streamed | kle-plan | large | executor, a chunk per pull |
///
/// The KLE version in force is built once a day on the executor; a KLE call that comes
/// before it is built waits for it there.
enum GatewayRoutes {
    static func register(on router: Router<GatewayRequestContext>, handler: GatewayCallHandler) {
        router.get("/cpr/persons/:pnr") { request, context in
            let pnr = context.parameters.get("pnr") ?? ""
            let day = handler.today()
            return await handler.respond(.cprPerson, request, context) { call, _ in
                handler.cpr.person(pnr: pnr, municipality: call.municipality.code, on: day)
            }
        }
        router.get("/cpr/persons") { request, context in
            let q = request.uri.queryParameters
            let parsed = SearchQuery.parse(name: q["name"].map(String.init), road: q["road"].map(String.init),
                                          page: q["page"].map(String.init), pageSize: q["pageSize"].map(String.init))
            let day = handler.today()
            let cpr = handler.cpr
            return await handler.respond(.cprSearch, request, context) { call, deadline in
                guard case .success(let query) = parsed else { return parsed.map { _ in [] } }
                let municipality = call.municipality.code
                return await handler.blocking(deadline) {
                    Result { () throws(GatewayFault) in try cpr.search(query, municipality: municipality, on: day, deadline: deadline) }
                }
            }
        }
        router.get("/cpr/population") { request, context in
            let formatText = request.uri.queryParameters["format"].map(String.init) ?? "ndjson"
            let day = handler.today()
            let population = handler.cpr.population
            return await handler.stream(.cprPopulation, request, context, contentType: { _ throws(GatewayFault) in
                try populationFormat(formatText).contentType
            }, producer: { call throws(GatewayFault) in
                let municipality = call.municipality.code
                switch try populationFormat(formatText) {
                case .cpr: return { try CPRExtractChunks(population, municipality: municipality, date: day) }
                case .ndjson: return { NDJSONChunks(population, municipality: municipality, date: day) }
                }
            })
        }
        router.get("/kle/nodes/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await handler.respond(.kleNode, request, context) { _, deadline in
                // One node and its children's numbers: a dictionary probe, answered here.
                await handler.kleService(deadline).flatMap { service in
                    Result { () throws(GatewayFault) in try service.node(id, subtree: false, deadline: deadline) }
                }
            }
        }
        router.get("/kle/nodes/:id/subtree") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await handler.respond(.kleSubtree, request, context) { _, deadline in
                switch await handler.kleService(deadline) {
                case .failure(let fault): return .failure(fault)
                case .success(let service):
                    return await handler.blocking(deadline) {
                        Result { () throws(GatewayFault) in try service.node(id, subtree: true, deadline: deadline) }
                    }
                }
            }
        }
        router.get("/kle/plan") { request, context in
            let day = handler.today()
            let kle = handler.kle
            return await handler.stream(.klePlan, request, context, contentType: { _ throws(GatewayFault) in
                "application/xml; charset=utf-8"
            }, producer: { _ throws(GatewayFault) in
                { KLEPlanChunks(try kle.buildIfNeeded(on: day).version) }
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
}
