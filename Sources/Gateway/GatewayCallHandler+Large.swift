import BusinessCalendar
import HTTPTypes
import Synchronization
import Foundation
import Hummingbird
import NIOCore
import Runtime
import SourceStubs
import Store

/// Large responses: pulled from their producer a chunk at a time as the client takes them,
/// first byte within the class limit (else 504 before any header is sent), then held to
/// the minimum rate.
///
/// The response writer asks for each chunk with one executor job that produces it and
/// returns: a slow client holds no thread while it reads, only its connection and at most
/// two chunks (the one being written and the next).
extension GatewayCallHandler {
    /// Releases the call's concurrency slot exactly once, also when the response is dropped
    /// without its body ever being written (client gone).
    final class Slot: Sendable {
        let limiter: ConcurrencyLimiter
        let system: String
        let released = Atomic<Bool>(false)
        init(limiter: ConcurrencyLimiter, system: String) { self.limiter = limiter; self.system = system }
        func release() {
            if !released.exchange(true, ordering: .relaxed) { limiter.release(system) }
        }
        deinit { release() }
    }

    /// - Parameters:
    ///   - contentType: the body's type, or the fault for a bad parameter.
    ///   - producer: makes the producer (called on the executor with the first pull: making
    ///     it may build a KLE version), or the fault for a bad parameter.
    func stream(_ op: GatewayOperation, _ request: Request, _ context: GatewayRequestContext,
                contentType: (AuthorisedCall) throws(GatewayFault) -> String,
                producer: (AuthorisedCall) throws(GatewayFault) -> @Sendable () throws -> any ChunkProducer)
        async -> Response {
        let (record, admitted) = await admit(op, request, context)
        let call: AuthorisedCall
        switch admitted {
        case .failure(let fault): return faultResponse(record, fault)
        case .success(let c): call = c
        }
        let slot = Slot(limiter: limiter, system: call.system.name)
        let make: @Sendable () throws -> any ChunkProducer
        let type: String
        do throws(GatewayFault) {
            type = try contentType(call)
            make = try producer(call)
        } catch {
            slot.release()
            return faultResponse(record, error)
        }
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        let source = LargeResponseSource(gzip: gzip, make: make)

        // The first chunk decides whether the call can still be answered with a status.
        let limit = targets.largeFirstByte
        let pulled = await executor.run(before: record.start.advanced(by: limit), on: clock) { Result { try source.next() } }
        let first: [UInt8]?
        switch pulled {
        case .success(let chunk)?:
            first = chunk
        case .failure(let error)?:
            source.cancel()
            slot.release()
            return faultResponse(record, GatewayFault(status: 500, code: "source-failed",
                                                      message: "the source could not produce the response: \(error)"))
        case nil:
            source.cancel()
            slot.release()
            return faultResponse(record, .timeout(limit: limit))
        }
        let firstByte = record.start.duration(to: clock.now)

        var headers: HTTPFields = [.contentType: type, Self.requestIDHeader: record.requestID]
        if gzip { headers[.contentEncoding] = "gzip" }
        let policy = TransferRatePolicy(minimumRate: targets.largeMinimumRate, grace: .clampedSeconds(settings.slowClientGraceSeconds))
        let channel = context.channel
        let handler = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let progress = TransferProgress()
            let watchdog = TransferWatchdog.start(progress: progress, policy: policy, clock: handler.clock,
                                                  channel: channel, source: source)
            var failure: (any Error)?
            var chunk = first
            do {
                while let c = chunk {
                    // The next chunk is made while this one goes out.
                    async let following = handler.executor.run { try source.next() }
                    progress.writeBlocked.store(true, ordering: .relaxed)
                    try await writer.write(ByteBuffer(bytes: c))
                    progress.writeBlocked.store(false, ordering: .relaxed)
                    progress.bytes.add(c.count, ordering: .relaxed)
                    chunk = try await following
                }
                try await writer.finish(nil)
            } catch {
                failure = error
                source.cancel()
            }
            watchdog.cancel()
            slot.release()
            let clientSlow = progress.clientTooSlow.load(ordering: .relaxed)
            let serverSlow = progress.serverTooSlow.load(ordering: .relaxed) || firstByte > limit
            let outcome = clientSlow ? "client-too-slow" : failure == nil ? "ok" : "error"
            handler.audit(record, status: 200, outcome: outcome, elapsed: record.start.duration(to: handler.clock.now),
                          firstByte: firstByte, bytes: progress.bytes.load(ordering: .relaxed),
                          breach: clientSlow ? "client" : serverSlow ? "server" : nil)
            if let failure, !clientSlow {
                handler.logger.warning("a large response ended early", metadata: ["gateway.request": "\(record.requestID)", "error": "\(failure)"])
            }
            if let failure { throw failure }
        })
    }

    func faultResponse(_ record: CallRecord, _ fault: GatewayFault) -> Response {
        let buffer = ByteBuffer(bytes: fault.json(requestID: record.requestID))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", Self.requestIDHeader: record.requestID]
        if let after = fault.retryAfter { headers[Self.retryAfter] = String(after) }
        audit(record, status: fault.status, outcome: fault.outcome, elapsed: record.start.duration(to: clock.now),
              firstByte: nil, bytes: buffer.readableBytes, breach: fault.status == 504 ? "server" : nil)
        return Response(status: .init(code: fault.status), headers: headers, body: .init(byteBuffer: buffer))
    }
}
