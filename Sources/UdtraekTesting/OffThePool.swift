import NIOPosix

/// A task executor whose threads may block, for test bodies that block: SSH handshakes and
/// uploads, big compressions, waiting for child processes. Swift Testing runs a synchronous
/// test on the cooperative pool, whose few threads (two on a two-core machine) every async
/// test and every service under test share; a handful of blocking tests there starve the
/// rest for minutes, and tests that wait for something then fail on a busy machine.
///
/// Its thread count bounds how many blocking test bodies run at once.
public final class BlockingTestExecutor: TaskExecutor {
    public static let shared = BlockingTestExecutor(threads: 8)

    let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}

/// Runs a blocking test body on `BlockingTestExecutor`, in the calling test's task (so its
/// expectations are recorded for that test), leaving the cooperative pool to the others.
public func offThePool<T>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(BlockingTestExecutor.shared) { try await body() }
}
