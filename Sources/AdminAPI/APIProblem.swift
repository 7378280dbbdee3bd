import Foundation
import Hummingbird

/// An error answer of the admin API: a status and a JSON body
/// `{"error": {"status": 404, "code": "unknown-extract", "message": "..."}}` whose message
/// says what was wrong and what to do.
struct APIProblem: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    private struct Body: Encodable {
        struct Inner: Encodable { var status: Int; var code: String; var message: String }
        var error: Inner
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(Body(error: .init(status: status.code, code: code, message: message)), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// JSON answers with ISO 8601 times and sorted keys, the same as the CLI's `--json`.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var data = try encoder.encode(value)
        data.append(0x0a)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
