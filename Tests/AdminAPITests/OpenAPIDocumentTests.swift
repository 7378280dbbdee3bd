import AdminAPI
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

/// `OpenAPIDocument` against the router, both ways, so neither can drift from the other:
/// every documented operation answers through the real router (Hummingbird cannot list its
/// routes, so each one is called), and every route the handler files register
/// (`api.get("...")`, read from the Swift sources as text) is documented. What the answers
/// hold is checked against the schemas by `make api-fuzz` (schemathesis).
@Suite struct OpenAPIDocumentTests {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// The parsed document.
    static func document() throws -> [String: Any] {
        let parsed = try Yams.load(yaml: OpenAPIDocument.yaml)
        return try #require(parsed as? [String: Any], "the document is not a YAML mapping")
    }

    /// Every documented operation as `METHOD /path` (path in OpenAPI's `{name}` form), with its
    /// operation object (holding the path item's parameters too).
    static func operations(_ document: [String: Any]) throws -> [(method: String, path: String, operation: [String: Any])] {
        let paths = try #require(document["paths"] as? [String: Any], "no paths")
        var result: [(String, String, [String: Any])] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "\(path) is not a mapping")
            for method in methods {
                guard var operation = item[method] as? [String: Any] else { continue }
                // Parameters of the path item belong to each of its operations.
                if let shared = item["parameters"] as? [Any] {
                    operation["parameters"] = shared + ((operation["parameters"] as? [Any]) ?? [])
                }
                result.append((method, path, operation))
            }
        }
        return result.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    @Test func isOpenAPI31WithEveryReferenceResolvable() throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.1.") == true)
        let schemes = (document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
        let bearer = schemes?["bearerAuth"] as? [String: Any]
        #expect(bearer?["type"] as? String == "http")
        #expect(bearer?["scheme"] as? String == "bearer")
        #expect((document["security"] as? [[String: Any]])?.first?["bearerAuth"] != nil, "the default is the bearer token")

        var references: Set<String> = []
        func collect(_ value: Any) {
            if let map = value as? [String: Any] {
                if let ref = map["$ref"] as? String { references.insert(ref) }
                map.values.forEach(collect)
            } else if let list = value as? [Any] {
                list.forEach(collect)
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for ref in references.sorted() {
            #expect(ref.hasPrefix("#/"), "\(ref) is not local")
            var node: Any? = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            #expect(node != nil, "\(ref) points at nothing")
        }

        let operations = try Self.operations(document)
        let ids = operations.compactMap { $0.operation["operationId"] as? String }
        #expect(ids.count == operations.count, "every operation has an operationId")
        #expect(Set(ids).count == ids.count, "operationIds are unique: \(ids)")
        for (method, path, operation) in operations {
            let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(path) has no responses")
            let secured = (operation["security"] as? [Any]).map { !$0.isEmpty } ?? true
            if secured {
                #expect(responses["401"] != nil, "\(method.uppercased()) \(path) needs a token but documents no 401")
            }
            // Every path parameter in the template is declared, and none besides.
            let templated = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            let declared = Self.parameters(operation, document).filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String }
            #expect(Set(declared) == templated, "\(method.uppercased()) \(path): path parameters \(declared.sorted())")
        }
    }

    /// An operation's parameters with `$ref`s resolved.
    static func parameters(_ operation: [String: Any], _ document: [String: Any]) -> [[String: Any]] {
        ((operation["parameters"] as? [Any]) ?? []).compactMap { value -> [String: Any]? in
            guard let map = value as? [String: Any] else { return nil }
            guard let ref = map["$ref"] as? String else { return map }
            var node: Any? = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return node as? [String: Any]
        }
    }

    /// Whether an answer came from a route (a handler or the token check) rather than from the
    /// router finding none: Hummingbird's own not-found is a 404 with no JSON problem in it,
    /// and a not-found handler, if one is added, says `not-found-route`.
    static func routeAnswered(_ response: TestResponse) -> Bool {
        if response.status == .methodNotAllowed { return false }
        guard response.status == .notFound else { return true }
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        guard let code = (object?["error"] as? [String: Any])?["code"] as? String else { return false }
        return code != "not-found-route"
    }

    /// One documented operation, ready to call.
    struct Probe: Sendable {
        var label: String
        var method: HTTPRequest.Method
        var uri: String
        var hasBody: Bool
        var secured: Bool
    }

    @Test func everyDocumentedOperationIsARoute() async throws {
        let document = try Self.document()
        var probes: [Probe] = []
        for (method, path, operation) in try Self.operations(document) {
            // Unknown names and ids: each handler answers for itself (a 404 problem, a 400, ...).
            var uri = path
            for parameter in Self.parameters(operation, document) where parameter["in"] as? String == "path" {
                let name = parameter["name"] as? String ?? ""
                let type = (parameter["schema"] as? [String: Any])?["type"] as? String
                uri = uri.replacingOccurrences(of: "{\(name)}", with: type == "integer" ? "987654321" : "openapi-probe")
            }
            probes.append(Probe(label: "\(method.uppercased()) \(path)", method: try #require(HTTPRequest.Method(method.uppercased())),
                                uri: uri, hasBody: operation["requestBody"] != nil,
                                secured: (operation["security"] as? [Any]).map { !$0.isEmpty } ?? true))
        }
        let calls = probes
        let fx = try AdminAPITests.Fixture()
        defer { fx.tearDown() }
        // With a metrics registry, as `serve` builds it, so `/metrics` is routed too.
        let api = AdminAPI(store: fx.store, runner: fx.runner, tokens: fx.tokens, metrics: .init())
        try await api.application(host: "127.0.0.1", port: 0).test(.router) { client in
            for probe in calls {
                let body: ByteBuffer? = probe.hasBody ? ByteBuffer(string: "{}") : nil
                try await client.execute(uri: probe.uri, method: probe.method, headers: AdminAPITests.auth, body: body) { response in
                    #expect(Self.routeAnswered(response), "\(probe.label) is documented but not routed (\(response.status))")
                    #expect(response.status != .unauthorized, "\(probe.label) refused the operator token")
                }
                try await client.execute(uri: probe.uri, method: probe.method, body: body) { response in
                    if probe.secured {
                        #expect(response.status == .unauthorized, "\(probe.label) answered \(response.status) without a token")
                    } else {
                        #expect(response.status != .unauthorized && response.status != .forbidden,
                                "\(probe.label) is documented without security but wants a token")
                    }
                }
            }
        }
    }

    /// The routes the handler files register, read from the sources: `RECEIVER.METHOD("/path")`
    /// where RECEIVER is the router or a group whose prefix the sources give
    /// (`let api = router.group("/api/v1")`), or a group handed to an `add...Routes` function.
    static func registeredRoutes() throws -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/AdminAPI").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(files.contains("AdminAPI.swift"), "cannot find the handler files in \(folder.path)")
        var text = ""
        // The console's pages are HTML for people, not the API the document describes.
        for file in files where file != "OpenAPIDocument.swift" && !file.hasPrefix("Console") {
            text += try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) + "\n"
        }
        // Group prefixes: `let NAME = BASE.group("/prefix")`, the router being "".
        var prefixes = ["router": ""]
        let groupPattern = try NSRegularExpression(pattern: #"let\s+(\w+)\s*=\s*(\w+)\s*\.group\(\s*"([^"]*)""#)
        var pending = groupPattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (1...3).map { String(text[Range(match.range(at: $0), in: text)!]) }
        }
        while let index = pending.firstIndex(where: { prefixes[$0[1]] != nil }) {
            let group = pending.remove(at: index)
            prefixes[group[0]] = prefixes[group[1]]! + group[2]
        }
        #expect(pending.isEmpty, "groups whose base is unknown: \(pending)")
        // Handler files get a group as a parameter (`func addChangeRoutes(_ api: RouterGroup<...>)`):
        // the same name as the group AdminAPI.swift hands in.
        let routePattern = try NSRegularExpression(pattern: #"\b(\w+)\s*\.\s*(get|put|post|patch|delete|head)\(\s*"(/[^"]*)""#)
        var routes: [String] = []
        for match in routePattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let parts = (1...3).map { String(text[Range(match.range(at: $0), in: text)!]) }
            let prefix = try #require(prefixes[parts[0]], "cannot tell which group `\(parts[0])` of `\(parts[0]).\(parts[1])(\"\(parts[2])\")` is; name it as AdminAPI.swift does")
            // Hummingbird's `:name` is OpenAPI's `{name}`.
            let path = (prefix + parts[2]).split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            routes.append("\(parts[1].uppercased()) \(path)")
        }
        return routes
    }

    @Test func everyRegisteredRouteIsDocumented() throws {
        let routes = try Self.registeredRoutes()
        #expect(routes.contains("GET /healthz"))
        #expect(routes.contains("POST /api/v1/extracts/{name}/runs"), "the scan found \(routes)")
        let documented = Set(try Self.operations(try Self.document()).map { "\($0.method.uppercased()) \($0.path)" })
        let undocumented = routes.filter { !documented.contains($0) }
        #expect(undocumented.isEmpty, "routed but not in OpenAPIDocument.yaml: \(undocumented.joined(separator: ", "))")
        // And the other way, by name: a documented operation that no handler file registers.
        let unregistered = documented.sorted().filter { !routes.contains($0) }
        #expect(unregistered.isEmpty, "documented but no handler file registers it: \(unregistered.joined(separator: ", "))")
    }
}
