import Foundation
import Runtime

/// The compressing threads of a ``ParallelGzipWriter`` and the queue they take chunks from.
///
/// The workers are companions on the `BlockingExecutor`, not Swift concurrency tasks:
/// deflate is seconds of blocking CPU work and the caller is often a blocking pipeline
/// itself, so borrowing the cooperative pool would starve it. A companion starts only when
/// an executor thread is free at once; when none could start, the producer compresses each
/// chunk itself as it submits it, so a writer on a full executor is slower but can never
/// wait for a worker that will not come.
///
/// `@unchecked Sendable` because every mutable property (`queue`, `stopping`,
/// `liveWorkers`, `firstError`, and each job's `done`) is read and written only while
/// holding `condition`'s lock, except `inline` and `workerCount`, which `init` sets before
/// returning and only the producer reads; `faultInjection` is immutable. Each deflate
/// stream is used by exactly one thread: a worker's by that worker, the inline one (only
/// when there are no workers) by the producer.
final class WorkerPool: @unchecked Sendable {
    let condition = NSCondition()
    private var queue: [ChunkJob] = []
    private var stopping = false
    private var liveWorkers = 0
    private var firstError: GzipError?
    /// Lets tests make chunk N fail as if zlib had refused it; nil in production.
    private let faultInjection: (@Sendable (Int) -> GzipError?)?
    /// The producer's own deflater, set when no worker could start.
    private var inline: DeflateStream?

    /// How many workers compress; 0 means the producer compresses every chunk itself.
    private(set) var workerCount = 0

    /// Starts up to one worker per deflate stream on `executor`; each stream is then used
    /// by its worker only.
    init(deflaters: [DeflateStream], executor: BlockingExecutor, faultInjection: (@Sendable (Int) -> GzipError?)? = nil) {
        self.faultInjection = faultInjection
        let owned = deflaters.map(OwnedDeflater.init)
        // Counted before any worker starts, so `stop` waits for every one that does.
        condition.lock()
        liveWorkers = owned.count
        condition.unlock()
        let started = executor.startCompanions(upTo: owned.count) { [self] index in
            self.run(owned[index].deflater)
        }
        condition.lock()
        liveWorkers -= owned.count - started
        condition.broadcast()
        condition.unlock()
        workerCount = started
        inline = started == 0 ? deflaters.first : nil
    }

    /// Queues a filled job for the next free worker; without workers, compresses it now.
    func submit(_ job: ChunkJob) {
        if let inline {
            compress(job, with: inline)
            return
        }
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
            compress(job, with: deflater)
        }
    }

    private func compress(_ job: ChunkJob, with deflater: DeflateStream) {
        job.compress(with: deflater)
        if job.error == nil, let injected = faultInjection?(job.sequence) { job.error = injected }

        condition.lock()
        if firstError == nil, let error = job.error { firstError = error }
        job.done = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Carries a deflate stream into the one thread that will use it from then on.
/// `@unchecked Sendable` because it is transferred, never shared: each stream goes to
/// one worker, or (when none started) stays with the producer.
private final class OwnedDeflater: @unchecked Sendable {
    let deflater: DeflateStream
    init(_ deflater: DeflateStream) { self.deflater = deflater }
}
