import BusinessCalendar
import HTTPTypes
import Synchronization
import Foundation
import Hummingbird
import NIOCore
import SourceStubs
import Store

/// Large responses: streamed from the producer as it writes, first byte within the class
/// limit (else 504 before any header is sent), then held to the minimum rate.
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

    func stream(_ op: GatewayOperation, _ request: Request, _ context: GatewayRequestContext,
                contentType: @escaping @Sendable (AuthorisedCall) throws(GatewayFault) -> String,
                produce: @escaping @Sendable (AuthorisedCall) throws(GatewayFault) -> @Sendable (inout any ByteSink) throws -> Void)
        async -> Response {
        let (record, admitted) = await admit(op, request, context)
        let call: AuthorisedCall
        switch admitted {
        case .failure(let fault): return faultResponse(record, fault)
        case .success(let c): call = c
        }
        let slot = Slot(limiter: limiter, system: call.system.name)
        let producer: @Sendable (inout any ByteSink) throws -> Void
        let type: String
        do throws(GatewayFault) {
            type = try contentType(call)
            producer = try produce(call)
        } catch {
            slot.release()
            return faultResponse(record, error)
        }
        let gzip = acceptsGzip(request.headers[.acceptEncoding])
        let pipe = ChunkPipe()
        LargeResponseProducer.start(pipe: pipe, gzip: gzip, name: "gateway \(op.name)", producer)

        // The first chunk decides whether the call can still be answered with a status.
        let limit = targets.largeFirstByte
        let timer = Task {
            try? await Task.sleep(for: limit)
            if !Task.isCancelled { pipe.interruptWaiter(with: ChunkPipe.FirstByteTimeout()) }
        }
        let first: [UInt8]?
        do {
            first = try await pipe.next()
            timer.cancel()
        } catch {
            timer.cancel()
            pipe.cancel()
            slot.release()
            let fault = error is ChunkPipe.FirstByteTimeout ? GatewayFault.timeout(limit: limit)
                : GatewayFault(status: 500, code: "source-failed", message: "the source could not produce the response: \(error)")
            return faultResponse(record, fault)
        }
        let firstByteNs = clock.nanoseconds() &- record.start

        var headers: HTTPFields = [.contentType: type, Self.requestIDHeader: record.requestID]
        if gzip { headers[.contentEncoding] = "gzip" }
        let policy = TransferRatePolicy(minimumRate: targets.largeMinimumRate, grace: .seconds(settings.slowClientGraceSeconds))
        let channel = context.channel
        let handler = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let progress = TransferProgress()
            let watchdog = TransferWatchdog.start(progress: progress, policy: policy, clock: handler.clock,
                                                  channel: channel, pipe: pipe)
            var failure: (any Error)?
            var chunk = first
            do {
                while let c = chunk {
                    progress.blockedSince.store(max(1, handler.clock.nanoseconds()), ordering: .relaxed)
                    try await writer.write(ByteBuffer(bytes: c))
                    progress.blockedSince.store(0, ordering: .relaxed)
                    progress.bytes.add(c.count, ordering: .relaxed)
                    pipe.consumed()
                    chunk = try await pipe.next()
                }
                try await writer.finish(nil)
            } catch {
                failure = error
                pipe.cancel()
            }
            watchdog.cancel()
            slot.release()
            let clientSlow = progress.clientTooSlow.load(ordering: .relaxed)
            let serverSlow = progress.serverTooSlow.load(ordering: .relaxed) || Double(firstByteNs) / 1e9 > limit.seconds
            let outcome = clientSlow ? "client-too-slow" : failure == nil ? "ok" : "error"
            handler.audit(record, status: 200, outcome: outcome, elapsedNs: handler.clock.nanoseconds() &- record.start,
                          firstByteNs: firstByteNs, bytes: progress.bytes.load(ordering: .relaxed),
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
        audit(record, status: fault.status, outcome: fault.outcome, elapsedNs: clock.nanoseconds() &- record.start,
              firstByteNs: nil, bytes: buffer.readableBytes, breach: fault.status == 504 ? "server" : nil)
        return Response(status: .init(code: fault.status), headers: headers, body: .init(byteBuffer: buffer))
    }
}
