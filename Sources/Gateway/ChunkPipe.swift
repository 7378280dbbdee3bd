import Dispatch
import Synchronization

/// Hands chunks from a producer thread (the source stubs write synchronously) to the async
/// response writer, holding at most `capacity` chunks: the producer blocks until the
/// client has taken earlier ones, so a large response is never assembled in memory.
final class ChunkPipe: Sendable {
    struct Cancelled: Error {}
    struct FirstByteTimeout: Error {}

    struct State {
        var queue: [[UInt8]] = []
        var done = false
        var error: (any Error)?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var cancelled = false
    }

    let state = Mutex(State())
    let slots: DispatchSemaphore
    let capacity: Int

    init(capacity: Int = 4) {
        self.capacity = capacity
        slots = DispatchSemaphore(value: capacity)
    }

    // MARK: Producer side (a thread of its own)

    func push(_ chunk: [UInt8]) throws {
        guard !chunk.isEmpty else { return }
        slots.wait()
        let waiter: CheckedContinuation<[UInt8]?, any Error>? = try state.withLock { s in
            if s.cancelled { throw Cancelled() }
            if let w = s.waiter { s.waiter = nil; return w }
            s.queue.append(chunk)
            return nil
        }
        waiter?.resume(returning: chunk)
    }

    func finish(error: (any Error)? = nil) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            s.done = true
            s.error = error
            defer { s.waiter = nil }
            return s.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    // MARK: Consumer side

    /// The next chunk, nil at the end. Call `consumed()` once the chunk is written out.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, any Error>) in
            let result = state.withLock { s -> Result<[UInt8]?, any Error>? in
                if !s.queue.isEmpty { return .success(s.queue.removeFirst()) }
                if s.done { return s.error.map { .failure($0) } ?? .success(nil) }
                if s.cancelled { return .failure(Cancelled()) }
                s.waiter = c
                return nil
            }
            if let result { c.resume(with: result) }
        }
    }

    /// Frees the slot of a chunk the client has taken.
    func consumed() { slots.signal() }

    /// Wakes a waiting consumer with `error` (the first-byte deadline).
    func interruptWaiter(with error: any Error) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(throwing: error)
    }

    /// Stops the producer at its next chunk (client gone, too slow, or timed out).
    func cancel() {
        let already = state.withLock { s -> Bool in
            defer { s.cancelled = true }
            return s.cancelled
        }
        if !already { for _ in 0..<(capacity + 1) { slots.signal() } }
        interruptWaiter(with: Cancelled())
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
}
