import Runtime
import Synchronization

extension BlockingExecutor {
    /// Runs `body` on the executor and returns its result, or nil once `deadline` has passed
    /// on `clock` (or the calling task is cancelled) before `body` has finished.
    ///
    /// A call's answer is owed at its deadline whatever the executor is doing: when every
    /// thread is busy the job waits in the queue, and a plain `run` would make the caller
    /// wait with it (a queued job that is cancelled only learns so when a thread takes it
    /// up). Here the caller is answered at the deadline; a job not yet started is cancelled
    /// and never runs, one already running finishes and its result is dropped (the gateway's
    /// work checks the same deadline as it goes, so it stops soon after).
    func run<T: Sendable>(before deadline: RuntimeClock.Instant, on clock: RuntimeClock,
                          _ body: @escaping @Sendable () -> T) async -> T? {
        let race = FirstAnswer<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                guard race.wait(continuation) else { return }
                let job = Task { race.answer(try? await self.run(body)) }
                let timer = Task {
                    try? await clock.sleep(until: deadline)
                    race.answer(nil)
                }
                race.cancelOnAnswer([job, timer])
            }
        } onCancel: {
            race.answer(nil)
        }
    }
}

/// The first of several answers to one question; later ones are dropped. Cancels the
/// tasks still working on it once the answer is in.
final class FirstAnswer<T: Sendable>: Sendable {
    struct State {
        var continuation: CheckedContinuation<T?, Never>?
        var answered = false
        var workers: [Task<Void, Never>] = []
    }

    let state = Mutex(State())

    /// Installs the waiter; false (and resumed with nil) when the question was answered
    /// (cancelled) before anyone waited.
    func wait(_ continuation: CheckedContinuation<T?, Never>) -> Bool {
        let answered = state.withLock { s -> Bool in
            if !s.answered { s.continuation = continuation }
            return s.answered
        }
        if answered { continuation.resume(returning: nil) }
        return !answered
    }

    func cancelOnAnswer(_ tasks: [Task<Void, Never>]) {
        let answered = state.withLock { s -> Bool in
            if !s.answered { s.workers = tasks }
            return s.answered
        }
        if answered { tasks.forEach { $0.cancel() } }
    }

    func answer(_ value: T?) {
        let (continuation, workers) = state.withLock { s -> (CheckedContinuation<T?, Never>?, [Task<Void, Never>]) in
            guard !s.answered else { return (nil, []) }
            s.answered = true
            defer { s.continuation = nil; s.workers = [] }
            return (s.continuation, s.workers)
        }
        workers.forEach { $0.cancel() }
        continuation?.resume(returning: value)
    }
}
