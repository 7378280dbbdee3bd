#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Synchronization

/// Watches for a condition on a thread of the blocking executor of its own, from the moment
/// it is created, and runs an action the instant the condition holds: "stop the sshd's
/// connection once the upload has begun", "cancel once the run is writing". The watch
/// never waits for the cooperative pool, so a test that must act while something is in
/// flight acts in time even when other tests keep that pool busy.
public final class ConditionWatch: Sendable {
    struct State {
        var outcome: Bool?
        var firedAt: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts watching; checks every millisecond, gives up (outcome false) after `limit`.
    public init(within limit: Duration = .seconds(60), _ condition: @escaping @Sendable () -> Bool,
                then action: @escaping @Sendable () -> Void) throws {
        let started = BlockingExecutor.shared.startCompanions(upTo: 1) { [self] _ in
            let clock = ContinuousClock()
            let deadline = clock.now + limit
            var seen = condition()
            while !seen, clock.now < deadline {
                usleep(1000)  // the watch's polling interval
                seen = condition()
            }
            let firedAt = seen ? clock.now : nil
            if seen { action() }
            let waiters = self.state.withLock { s in
                s.outcome = seen
                s.firedAt = firedAt
                defer { s.waiters = [] }
                return s.waiters
            }
            waiters.forEach { $0.resume(returning: seen) }
        }
        guard started == 1 else { throw HarnessError("no thread of the blocking executor is free to watch") }
    }

    /// When the action ran (just before it), on the monotonic clock; nil until then.
    public var firedAt: ContinuousClock.Instant? { state.withLock { $0.firedAt } }

    /// Waits for the watch to end; true when the condition held (and the action ran).
    public func seen() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let done = state.withLock { s -> Bool? in
                if let outcome = s.outcome { return outcome }
                s.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
