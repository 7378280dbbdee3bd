import Foundation

/// The threads of a ``ParallelGzipWriter`` and the queue they take chunks from.
///
/// Plain threads, not Swift concurrency tasks: deflate is seconds of blocking CPU work and
/// the caller is often a blocking pipeline itself, so borrowing the cooperative pool would
/// starve it.
///
/// `@unchecked Sendable` because every mutable property (`queue`, `stopping`,
/// `liveWorkers`, `firstError`, and each job's `done`) is read and written only while
/// holding `condition`'s lock; `faultInjection` is immutable and `@Sendable`. The deflate
/// streams are each used by exactly one thread.
final class WorkerPool: @unchecked Sendable {
    let condition = NSCondition()
    private var queue: [ChunkJob] = []
    private var stopping = false
    private var liveWorkers = 0
    private var firstError: GzipError?
    /// Lets tests make chunk N fail as if zlib had refused it; nil in production.
    private let faultInjection: (@Sendable (Int) -> GzipError?)?

    /// Starts one thread per deflate stream; each stream is then used by its thread only.
    init(deflaters: [DeflateStream], name: String, faultInjection: (@Sendable (Int) -> GzipError?)? = nil) {
        self.faultInjection = faultInjection
        liveWorkers = deflaters.count
        for (index, deflater) in deflaters.enumerated() {
            let owned = OwnedDeflater(deflater)
            let thread = Thread { [self] in self.run(owned.deflater) }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Queues a filled job for the next free worker.
    func submit(_ job: ChunkJob) {
        condition.lock()
        job.done = false
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// True if the worker has finished `job`; with `wait`, blocks until it has.
    func isDone(_ job: ChunkJob, wait: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while wait && !job.done && !stopping { condition.wait() }
        return job.done
    }

    /// The first error any worker met, so the producer can fail fast without waiting for
    /// that chunk's turn in the output order.
    var workerError: GzipError? {
        condition.lock()
        defer { condition.unlock() }
        return firstError
    }

    /// Stops every worker after its current chunk and waits for all to exit; queued chunks
    /// are dropped. Idempotent.
    func stop() {
        condition.lock()
        stopping = true
        queue.removeAll()
        condition.broadcast()
        while liveWorkers > 0 { condition.wait() }
        condition.unlock()
    }

    private func run(_ deflater: DeflateStream) {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                liveWorkers -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            condition.unlock()

            job.compress(with: deflater)
            if job.error == nil, let injected = faultInjection?(job.sequence) { job.error = injected }

            condition.lock()
            if firstError == nil, let error = job.error { firstError = error }
            job.done = true
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// Carries a deflate stream into the one thread that will use it from then on.
/// `@unchecked Sendable` because it is transferred, never shared: after `init` the
/// creating thread drops its reference.
private final class OwnedDeflater: @unchecked Sendable {
    let deflater: DeflateStream
    init(_ deflater: DeflateStream) { self.deflater = deflater }
}
