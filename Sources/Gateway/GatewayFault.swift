import Foundation
import Runtime

/// An answer other than the data: what went wrong, in a JSON body the caller's developers
/// can act on. Faults never carry person data, nor a hint whether a person exists.
public struct GatewayFault: Error, Sendable, Equatable {
    public var status: Int
    /// Stable, machine-readable: `missing-field`, `malformed-field`, `forbidden`, `not-found`, ...
    public var code: String
    public var message: String
    /// The invocation-context field or parameter at fault, when there is one.
    public var field: String?
    /// Seconds, for 429.
    public var retryAfter: Int?

    public init(status: Int, code: String, message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    /// The audit log's outcome word for this fault.
    public var outcome: String {
        switch status {
        case 400: "bad-request"
        case 403: "forbidden"
        case 404: "not-found"
        case 429: "too-many-calls"
        case 504: "timeout"
        default: "error"
        }
    }

    /// `{"fault":{"code":...,"message":...,"field":...,"callId":...}}`
    public func json(requestID: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("fault")
        w.beginObject()
        w.field("status", status)
        w.field("code", code)
        w.field("message", message)
        if let field { w.field("field", field) }
        w.field("requestId", requestID)
        w.endObject()
        w.endObject()
        return w.bytes
    }

    static func missing(_ field: String) -> GatewayFault {
        GatewayFault(status: 400, code: "missing-field", message: "the invocation context field \(field) is missing; send it as the HTTP header \(field)", field: field)
    }

    static func malformed(_ field: String, _ why: String) -> GatewayFault {
        GatewayFault(status: 400, code: "malformed-field", message: "the invocation context field \(field) \(why)", field: field)
    }

    static func forbidden(_ why: String) -> GatewayFault {
        GatewayFault(status: 403, code: "forbidden", message: why)
    }

    static let personNotFound = GatewayFault(
        status: 404, code: "not-found", message: "no person with this PNR is registered in the municipality named by UserUUID")

    static func timeout(limit: Duration) -> GatewayFault {
        GatewayFault(status: 504, code: "service-target-exceeded",
                     message: "the call could not be answered within its service target of \(limit.formattedSeconds); it was cancelled. Narrow the request (e.g. a smaller page) or try again later")
    }
}

extension Duration {
    var formattedSeconds: String { String(format: "%.3g s", inSeconds) }
}
