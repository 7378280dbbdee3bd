import BusinessCalendar
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Runtime
import SourceStubs
import Store

/// The path every call takes: identify the certificate, read the invocation context,
/// authorise, take a concurrency slot, do the work within its service target, answer,
/// and audit. Faults are answered with JSON bodies and audited like successes.
///
/// Time is read from the injected clock only: deadlines, first-byte limits, the rate
/// watchdog and the audit's timestamps, so tests decide how fast time passes.
struct GatewayCallHandler: Sendable {
    let settings: GatewaySettings
    let targets: ServiceTargets
    let clock: RuntimeClock
    let executor: BlockingExecutor
    let day: CopenhagenDay
    let directory: DirectoryCache
    let limiter: ConcurrencyLimiter
    let auditor: CallAuditor
    let breaches: BreachMonitor
    let connections: ConnectionIdentities
    let cpr: CPRService
    let subscriptions: SubscriptionService
    let kle: KLEPlanCache
    let logger: Logger

    /// Each invocation-context field's raw value by its header's canonical (lowercase) name.
    static let contextFieldIndex: [String: Int] = Dictionary(uniqueKeysWithValues: InvocationContext.Field.allCases.map {
        (HTTPField.Name($0.name)!.canonicalName, $0.rawValue)
    })
    static let retryAfter = HTTPField.Name("Retry-After")!
    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    /// The register date calls are answered for: today in Copenhagen on the clock.
    func today() -> CivilDate { day.today() }

    /// What is known about a call so far, for its audit row.
    struct CallRecord {
        var start: RuntimeClock.Instant
        var at: Date
        var requestID: String
        var operation: GatewayOperation
        var identity: CallerIdentity?
        var context: InvocationContext?
        var authorised: AuthorisedCall?
    }

    /// Runs the checks shared by all operations; on success the call holds a concurrency slot.
    /// `contextFields`: the invocation context as a SOAP call carries it in its envelope,
    /// by field; a field it does not carry is read from the headers.
    func admit(_ op: GatewayOperation, _ request: Request, _ context: GatewayRequestContext,
               contextFields: [InvocationContext.Field: String] = [:]) async -> (CallRecord, Result<AuthorisedCall, GatewayFault>) {
        var record = CallRecord(start: clock.now, at: clock.date, requestID: RequestID.next(), operation: op)
        if !settings.plainHTTP {
            guard let identity = await connections.identity(of: context) else {
                return (record, .failure(.forbidden("no client certificate was presented on this connection")))
            }
            record.identity = identity
        }
        // One pass over the request's headers: looking each field up by name would build
        // the header list's index on every call. A field sent twice is joined as HTTP joins
        // repeated headers ("a, b"), which no UUID check lets through.
        var values = [String?](repeating: nil, count: InvocationContext.Field.allCases.count)
        for header in request.headers {
            guard let i = Self.contextFieldIndex[header.name.canonicalName] else { continue }
            values[i] = values[i].map { $0 + ", " + header.value } ?? header.value
        }
        for (field, value) in contextFields { values[field.rawValue] = value }
        let ctx: InvocationContext
        switch InvocationContext.parse({ (field: InvocationContext.Field) in values[field.rawValue] }) {
        case .failure(let fault): return (record, .failure(fault))
        case .success(let parsed): ctx = parsed
        }
        record.context = ctx
        switch directory.current().authorise(identity: record.identity, context: ctx, service: op.service, plainHTTP: settings.plainHTTP) {
        case .failure(let fault):
            return (record, .failure(fault))
        case .success(var call):
            call.requestID = record.requestID
            call.onBehalfOfUser = ctx.onBehalfOfUser
            call.callersCallID = ctx.callersServiceCallIdentifier
            record.authorised = call
            guard limiter.acquire(call.system.name) else {
                return (record, .failure(GatewayFault(
                    status: 429, code: "too-many-calls",
                    message: "this system already has \(settings.maxConcurrentCallsPerSystem) calls in progress; wait for them, then retry",
                    retryAfter: 1)))
            }
            return (record, .success(call))
        }
    }

    /// A call answered with one JSON document: `work` must finish within the class's limit.
    /// `work` runs on the calling task; work that blocks for longer than a few microseconds
    /// goes to the executor through `blocking(_:_:)`.
    /// With `binding: .soap`, the body is the SOAP envelope `work` made, and a fault is a
    /// SOAP fault with HTTP status 500 as SOAP 1.1 has it (the audit keeps the fault's own
    /// status, so a refused SOAP call counts as refused).
    func respond(_ op: GatewayOperation, _ request: Request, _ context: GatewayRequestContext,
                 binding: Binding = .json, contextFields: [InvocationContext.Field: String] = [:],
                 work: (AuthorisedCall, Deadline) async -> Result<[UInt8], GatewayFault>) async -> Response {
        let (record, admitted) = await admit(op, request, context, contextFields: contextFields)
        let result: Result<[UInt8], GatewayFault>
        switch admitted {
        case .failure(let fault):
            result = .failure(fault)
        case .success(let call):
            let deadline = Deadline(clock: clock, start: record.start, limit: targets.limit(op.serviceClass))
            result = await work(call, deadline).flatMap { body in deadline.isExpired ? .failure(.timeout(limit: deadline.limit)) : .success(body) }
            limiter.release(call.system.name)
        }
        let status: Int
        var httpStatus: Int
        let body: [UInt8]
        var headers: HTTPFields = [.contentType: binding.contentType, Self.requestIDHeader: record.requestID]
        switch result {
        case .success(let bytes):
            status = 200
            httpStatus = 200
            body = bytes
        case .failure(let fault):
            status = fault.status
            httpStatus = fault.status
            switch binding {
            case .json: body = fault.json(requestID: record.requestID)
            case .soap:
                body = SOAPEnvelope.fault(fault, requestID: record.requestID)
                httpStatus = 500
            }
            if let after = fault.retryAfter { headers[Self.retryAfter] = String(after) }
        }
        let buffer = ByteBuffer(bytes: body)
        let elapsed = record.start.duration(to: clock.now)
        let breach = status == 504 || (record.authorised != nil && elapsed > targets.limit(op.serviceClass))
        audit(record, status: status, outcome: result.outcome, elapsed: elapsed, firstByte: nil,
              bytes: buffer.readableBytes, breach: breach ? "server" : nil)
        return Response(status: .init(code: httpStatus), headers: headers, body: .init(byteBuffer: buffer))
    }

    /// How a one-document answer is written: the gateway's JSON, or SOAP 1.1.
    enum Binding {
        case json, soap

        var contentType: String {
            switch self {
            case .json: "application/json; charset=utf-8"
            case .soap: "text/xml; charset=utf-8"
            }
        }
    }

    /// Work that scans or builds (a search through the register, a KLE subtree): run on the
    /// executor, never on the cooperative pool, and answered with the 504 fault at the
    /// deadline even when the executor has not got to it (or not finished) by then.
    func blocking<T: Sendable>(_ deadline: Deadline, _ work: @escaping @Sendable () -> Result<T, GatewayFault>) async
        -> Result<T, GatewayFault> {
        await executor.run(before: deadline.end, on: clock, work) ?? .failure(.timeout(limit: deadline.limit))
    }

    /// The KLE version in force today: at once when it is built (the service builds it
    /// ahead of the day's calls), else built, or waited for, on the executor within the
    /// call's deadline.
    func kleService(_ deadline: Deadline) async -> Result<KLEService, GatewayFault> {
        let day = today()
        if let built = kle.built(on: day) { return .success(built) }
        let kle = kle
        return await executor.run(before: deadline.end, on: clock) {
            Result { try kle.buildIfNeeded(on: day) }.mapError { error in
                GatewayFault(status: 500, code: "source-failed", message: "the KLE plan in force could not be built: \(error)")
            }
        } ?? .failure(.timeout(limit: deadline.limit))
    }

    func audit(_ r: CallRecord, status: Int, outcome: String, elapsed: Duration, firstByte: Duration?, bytes: Int, breach: String?) {
        auditor.record(GatewayCall(
            at: r.at, requestID: r.requestID, operation: r.operation.name, system: r.authorised?.system.name,
            certificate: r.authorised == nil ? r.identity?.auditText : nil,
            municipality: r.authorised?.municipality.code, agreementUUID: r.context?.serviceAgreementUUID,
            service: r.operation.service.key, onBehalfOfUser: r.context?.onBehalfOfUser,
            callersCallID: r.context?.callersServiceCallIdentifier, accountingInfo: r.context?.accountingInfo,
            status: status, outcome: outcome, durationMs: elapsed.inSeconds * 1000,
            firstByteMs: firstByte.map { $0.inSeconds * 1000 }, bytes: bytes, breach: breach))
        // Only calls that reached the service count towards its target.
        if r.authorised != nil {
            breaches.record(service: r.operation.service.key, operation: r.operation.name, duration: elapsed, breach: breach)
        }
    }
}

extension Result where Failure == GatewayFault {
    var outcome: String {
        switch self {
        case .success: "ok"
        case .failure(let f): f.outcome
        }
    }
}
