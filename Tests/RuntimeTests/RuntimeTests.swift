import Foundation
import Logging
@testable import Runtime
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct BlockingExecutorTests {
    @Test func jobsRunOffTheCallersThreadAndReturnTheirResult() async throws {
        let executor = BlockingExecutor(threads: 4)
        let caller = pthread_self()
        let (value, thread) = try await executor.run { (21 * 2, pthread_self()) }
        #expect(value == 42)
        #expect(pthread_equal(caller, thread) == 0)
        await #expect(throws: CocoaError.self) { try await executor.run { throw CocoaError(.fileNoSuchFile) } }
    }

    @Test func companionsAreOnlyGrantedForFreeThreads() throws {
        let executor = BlockingExecutor(threads: 4)
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        // Three companions hold three of the four threads.
        #expect(executor.startCompanions(upTo: 3) { _ in started.signal(); release.wait() } == 3)
        for _ in 0..<3 { started.wait() }
        #expect(executor.startCompanions(upTo: 5) { _ in started.signal(); release.wait() } == 1)
        started.wait()
        #expect(executor.startCompanions(upTo: 1) { _ in } == 0)
        for _ in 0..<4 { release.signal() }
    }

    @Test func forEachNeverWaitsForAThreadThatCannotCome() throws {
        // Every thread busy: forEach does all the work on the calling thread.
        let executor = BlockingExecutor(threads: 2)
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        #expect(executor.startCompanions(upTo: 2) { _ in started.signal(); release.wait() } == 2)
        started.wait(); started.wait()
        let seen = Mutex<[Int]>([])
        executor.forEach(count: 10, width: 4) { i in seen.withLock { $0.append(i) } }
        #expect(seen.withLock { $0.sorted() } == Array(0..<10))
        release.signal(); release.signal()
    }

    @Test func forEachHandsEachIndexToExactlyOneThread() {
        let executor = BlockingExecutor(threads: 8)
        let seen = Mutex<[Int]>([])
        executor.forEach(count: 1000, width: 4) { i in seen.withLock { $0.append(i) } }
        #expect(seen.withLock { $0.sorted() } == Array(0..<1000))
    }
}

@Suite struct ManualClockTests {
    @Test func sleepersWakeOnlyWhenTheirDeadlineIsPassed() async throws {
        let manual = ManualClock(start: Date(timeIntervalSince1970: 1_000_000))
        let clock = manual.clock
        let woke = Atomic<Int>(0)
        let sleeper = Task {
            try await clock.sleep(until: clock.now.advanced(by: .seconds(10)))
            woke.add(1, ordering: .relaxed)
        }
        await manual.waitForSleepers(atLeast: 1)
        manual.advance(by: .seconds(9))
        #expect(woke.load(ordering: .relaxed) == 0)
        #expect(manual.sleeperCount == 1)
        manual.advance(by: .seconds(1))
        try await sleeper.value
        #expect(woke.load(ordering: .relaxed) == 1)
        #expect(manual.date == Date(timeIntervalSince1970: 1_000_010))
    }

    @Test func cancellationEndsASleep() async {
        let manual = ManualClock()
        let clock = manual.clock
        let sleeper = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(3600))) }
        await manual.waitForSleepers(atLeast: 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(manual.sleeperCount == 0)
    }

    @Test func steppingTheWallClockMovesDatesOnly() {
        let manual = ManualClock(start: Date(timeIntervalSince1970: 0))
        let before = manual.now
        manual.stepWallClock(by: 3600)
        #expect(manual.now == before)
        #expect(manual.date == Date(timeIntervalSince1970: 3600))
    }

    @Test func clampedSecondsNeverTraps() {
        #expect(Duration.clampedSeconds(.infinity) > .seconds(1_000_000_000))
        #expect(Duration.clampedSeconds(-.infinity) < .zero)
        #expect(Duration.clampedSeconds(.nan) == .zero)
        #expect(Duration.clampedSeconds(1.5) == .milliseconds(1500))
        #expect(Duration.clampedSeconds(1e300) == Duration.clampedSeconds(1e15))
    }
}

@Suite struct PeriodicServiceTests {
    static let logger = Logger(label: "test")

    @Test func passesFollowTheClockAndANudgeWakesEarly() async throws {
        let manual = ManualClock()
        let passes = Atomic<Int>(0)
        let service = PeriodicService(name: "test", clock: manual.clock, logger: Self.logger) {
            passes.add(1, ordering: .relaxed)
            return .seconds(60)
        }
        let task = Task { try await service.run() }
        await manual.waitForSleepers(atLeast: 1)
        #expect(passes.load(ordering: .relaxed) == 1)
        manual.advance(by: .seconds(60))
        try await Self.until { passes.load(ordering: .relaxed) == 2 }
        await manual.waitForSleepers(atLeast: 1)
        service.nudge()
        try await Self.until { passes.load(ordering: .relaxed) == 3 }
        task.cancel()
        try await task.value
    }

    @Test func stopsOnCancellation() async throws {
        let manual = ManualClock()
        let stopped = Atomic<Bool>(false)
        let service = PeriodicService(name: "test", clock: manual.clock, logger: Self.logger,
                                      pass: { .seconds(3600) }, onStop: { stopped.store(true, ordering: .relaxed) })
        let task = Task { try await service.run() }
        await manual.waitForSleepers(atLeast: 1)
        task.cancel()
        try await task.value
        let didStop = stopped.load(ordering: .relaxed)
        #expect(didStop)
    }

    @Test func stopsOnGracefulShutdownAndWhenAnotherServiceFails() async throws {
        struct Failing: Service {
            struct Boom: Error {}
            func run() async throws { throw Boom() }
        }
        let manual = ManualClock()
        let service = PeriodicService(name: "test", clock: manual.clock, logger: Self.logger) { .seconds(3600) }
        // A failing service cancels the group: the periodic service must return.
        let group = ServiceGroup(configuration: .init(services: [.init(service: service), .init(service: Failing())],
                                                      logger: Self.logger))
        await #expect(throws: Failing.Boom.self) { try await group.run() }

        let second = PeriodicService(name: "test", clock: manual.clock, logger: Self.logger) { .seconds(3600) }
        let graceful = ServiceGroup(configuration: .init(services: [.init(service: second)], logger: Self.logger))
        let task = Task { try await graceful.run() }
        await manual.waitForSleepers(atLeast: 1)
        await graceful.triggerGracefulShutdown()
        try await task.value
    }

    @Test func aThrowingPassEndsTheService() async {
        struct Fatal: Error {}
        let service = PeriodicService(name: "test", logger: Self.logger) { throw Fatal() }
        await #expect(throws: Fatal.self) { try await service.run() }
    }

    /// Waits (on real time, for work on other threads) until `condition` holds, at most 30 s.
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<3000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
