import Foundation
import NIOPosix
import Synchronization

/// The one place where blocking work runs: libssh2 sessions, SQLite transactions, zlib
/// streams, stub generation and the I/O of big files. Never Swift's cooperative pool, whose
/// few threads (two on a two-core machine) would otherwise wait on the network or the disk
/// while every other service and every gateway call waits for them.
///
/// Built on swift-nio's `NIOThreadPool`. Two kinds of work go through it:
/// - **Jobs** (`run`): the caller awaits the result; a job queues when every thread is busy.
///   A job cancelled before it starts is not run (`CancellationError`); once started, it
///   finishes, so a transaction or an upload is never cut in half by a cancellation.
/// - **Companions** (`startCompanions`, `forEach`): threads that blocking code needs *at
///   the same time* as itself (the extra SSH sessions of a striped upload, parallel gzip's
///   workers, inbox hosts polled side by side). A companion is started only when a thread
///   is free for it at once, so a caller waiting for its companions can never wait for a
///   thread that will not come: it gets fewer companions, or none, and does the work itself.
public final class BlockingExecutor: Sendable {
    /// The process's executor. Its threads start on first use and live as long as the process.
    public static let shared = BlockingExecutor(threads: defaultThreadCount)

    /// Enough for every service of `serve` at its bounds (16 concurrent runs with their
    /// companions, delivery, monitor hosts, gateway streams, admin API calls); idle
    /// threads cost only their reserved stack address space.
    public static let defaultThreadCount = 64

    public let threadCount: Int
    let pool: NIOThreadPool
    /// Jobs and companions submitted and not yet finished. While it is at most
    /// `threadCount`, every submitted piece of work has a thread of its own.
    let admitted = Atomic<Int>(0)

    public init(threads: Int) {
        threadCount = max(2, threads)
        pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
    }

    /// Runs `body` on one of the executor's threads and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        admitted.add(1, ordering: .relaxed)
        defer { admitted.subtract(1, ordering: .relaxed) }
        return try await pool.runIfActive(body)
    }

    /// Starts up to `count` companions, `body(0)` ... `body(k-1)`, each on a thread that
    /// is free now, and returns `k`. Call from blocking code that then waits for them.
    public func startCompanions(upTo count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Int {
        guard count > 0 else { return 0 }
        var current = admitted.load(ordering: .relaxed)
        var granted = 0
        while true {
            granted = min(count, threadCount - current)
            guard granted > 0 else { return 0 }
            let (exchanged, original) = admitted.compareExchange(expected: current, desired: current + granted,
                                                                  ordering: .relaxed)
            if exchanged { break }
            current = original
        }
        for index in 0..<granted {
            pool.submit { [self] _ in
                // Run even when the pool reports `.cancelled` (it never does while running):
                // the caller is waiting for this companion.
                body(index)
                admitted.subtract(1, ordering: .relaxed)
            }
        }
        return granted
    }

    /// Calls `body(i)` for every `i` in `0..<count`, on the calling thread and on up to
    /// `width - 1` companions, and returns when all are done. Each index is handled once.
    public func forEach(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let finished = CompletionLatch()
        let work: @Sendable () -> Void = {
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                body(i)
            }
        }
        let helpers = startCompanions(upTo: min(max(1, width), count) - 1) { _ in
            work()
            finished.arrive()
        }
        work()
        finished.wait(for: helpers)
    }
}

/// Counts arrivals and lets one thread wait for a number of them.
final class CompletionLatch: Sendable {
    private let condition = NSCondition()
    private let arrived = Atomic<Int>(0)

    func arrive() {
        condition.lock()
        arrived.add(1, ordering: .relaxed)
        condition.broadcast()
        condition.unlock()
    }

    func wait(for count: Int) {
        condition.lock()
        while arrived.load(ordering: .relaxed) < count { condition.wait() }
        condition.unlock()
    }
}
