import Foundation
import Synchronization

/// A time source a test moves by hand, as async-http-client's tests advance an embedded
/// event loop's time: sleepers wake only when `advance` passes their deadline, so a test of
/// a limit is exact on any machine. The wall clock moves with it, and can also be stepped
/// on its own (`stepWallClock`), as when NTP corrects the system clock.
///
/// A test that advances time while a service is about to sleep races with it; wait for the
/// sleepers first (`waitForSleepers(atLeast:)`) so an advance is never lost.
public final class ManualClock: TimeSource {
    struct Sleeper {
        var deadline: RuntimeClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var offset: Duration = .zero
        var wallOffset: TimeInterval = 0
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let start: Date
    let state = Mutex(State())

    /// A clock whose wall-clock date starts at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        self.start = start
    }

    /// The `RuntimeClock` to inject.
    public var clock: RuntimeClock { RuntimeClock(self) }

    public var now: RuntimeClock.Instant { state.withLock { RuntimeClock.Instant(offset: $0.offset) } }

    public var date: Date {
        state.withLock { start.addingTimeInterval($0.offset.inSeconds + $0.wallOffset) }
    }

    /// How many tasks are asleep on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: RuntimeClock.Instant) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resume, waiters) = state.withLock { s -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline.offset <= s.offset { return (.success(()), []) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (nil, Self.takeSatisfiedWaiters(&s))
                }
                waiters.forEach { $0.resume() }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration` and wakes every sleeper whose deadline has come,
    /// earliest first.
    public func advance(by duration: Duration) {
        let woken = state.withLock { s -> [Sleeper] in
            s.offset += duration
            let due = s.sleepers.filter { $0.value.deadline.offset <= s.offset }
            for id in due.keys { s.sleepers[id] = nil }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        woken.forEach { $0.continuation.resume() }
    }

    /// Moves time forward to the wall-clock `date` (no-op if it has passed).
    public func advance(toDate date: Date) {
        let seconds = date.timeIntervalSince(self.date)
        if seconds > 0 { advance(by: .clampedSeconds(seconds)) }
    }

    /// Steps the wall clock by `seconds` (may be negative) without moving monotonic time:
    /// sleepers are not woken, deadlines do not pass, only dates change.
    public func stepWallClock(by seconds: TimeInterval) {
        state.withLock { $0.wallOffset += seconds }
    }

    /// Returns once at least `count` tasks sleep on this clock.
    public func waitForSleepers(atLeast count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.sleepers.count >= count { return true }
                s.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func takeSatisfiedWaiters(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = s.sleepers.count
        let ready = s.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
        s.sleeperWaiters.removeAll { $0.count <= count }
        return ready
    }
}
