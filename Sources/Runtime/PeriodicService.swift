import Logging
import ServiceLifecycle
import Synchronization

/// A service that runs a pass, sleeps on the injected clock, and runs the next pass,
/// until the service group shuts down gracefully *or* cancels it (a service that only
/// listens for one of the two keeps a failed `serve` from ever exiting). A `nudge()` wakes
/// it early: an API call that queued a run or an order due now need not wait for the poll.
///
/// The pass returns how long to sleep before the next one, so a pass can read its interval
/// from the configuration or sleep until its next slot. A pass that throws ends the
/// service with that error, which brings the whole `ServiceGroup` down: passes catch and
/// log what they can recover from (a lost connection, a busy database) and throw only what
/// they cannot. The pass in flight when a stop comes finishes; the stop is seen before the
/// next one.
public final class PeriodicService: Service, Sendable {
    public let name: String
    let clock: RuntimeClock
    let logger: Logger
    let runImmediately: Bool
    let pass: @Sendable () async throws -> Duration
    let onStop: @Sendable () async -> Void
    let waker = Waker()

    /// - Parameters:
    ///   - runImmediately: the first pass runs at once (true) or after `initialDelay`.
    ///   - pass: one pass; returns the time until the next.
    ///   - onStop: runs once after the last pass (close sessions, wait for work in flight).
    public init(name: String, clock: RuntimeClock = .system, logger: Logger, runImmediately: Bool = true,
                initialDelay: Duration = .zero,
                pass: @escaping @Sendable () async throws -> Duration,
                onStop: @escaping @Sendable () async -> Void = {}) {
        self.name = name
        self.clock = clock
        self.logger = logger
        self.runImmediately = runImmediately
        self.initialDelay = initialDelay
        self.pass = pass
        self.onStop = onStop
    }

    let initialDelay: Duration

    /// Wakes the service now, or right after the pass in flight.
    public func nudge() { waker.nudge() }

    /// Whether a stop (graceful shutdown or cancellation) has been asked for.
    public var isStopping: Bool { waker.isStopped }

    public func run() async throws {
        defer { logger.debug("\(name) stopped") }
        do {
            try await withTaskCancellationOrGracefulShutdownHandler {
                var wait = runImmediately ? Duration.zero : initialDelay
                while !waker.isStopped {
                    if wait > .zero { await waker.sleep(until: clock.now.advanced(by: wait), on: clock) }
                    if waker.isStopped { break }
                    wait = try await pass()
                }
            } onCancelOrGracefulShutdown: { [waker] in
                waker.stop()
            }
        } catch {
            await onStop()
            throw error
        }
        await onStop()
    }
}

/// What a sleeping service waits for besides its clock: a nudge or a stop. A nudge that
/// comes while the service is busy is kept, so the next sleep ends at once.
public final class Waker: Sendable {
    struct State {
        var nudged = false
        var stopped = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    let state = Mutex(State())

    public init() {}

    public var isStopped: Bool { state.withLock { $0.stopped } }

    public func nudge() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.nudged = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    public func stop() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.stopped = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Sleeps until `deadline` on `clock`, a nudge, a stop, or cancellation, whichever
    /// comes first; consumes the nudge.
    public func sleep(until deadline: RuntimeClock.Instant, on clock: RuntimeClock) async {
        let done = state.withLock { s -> Bool in
            if s.stopped { return true }
            if s.nudged { s.nudged = false; return true }
            return false
        }
        if done { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await clock.sleep(until: deadline) }
            group.addTask { await self.signalled() }
            await group.next()
            group.cancelAll()
            // The signal waiter must not outlive this sleep: wake it if the clock won.
            self.state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }?.resume()
        }
        state.withLock { $0.nudged = false }
    }

    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.stopped || s.nudged || Task.isCancelled { return true }
                    s.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }?.resume()
        }
    }
}
