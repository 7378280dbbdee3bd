import Extracts
import Foundation
import Logging
import Metrics
import Runtime
import Scheduling
import ServiceLifecycle
import Store
import Synchronization

/// The scheduler inside `udtraek serve`: decides every schedule's due slots, records them,
/// and produces queued runs (scheduled, API, and runs queued behind others), a bounded
/// number at once, each as a job on the `BlockingExecutor`.
///
/// Deciding is `decideDueSlots(now:)` and starting is `startClaimableRuns()`, steps that
/// `serve --once` and tests call directly; `run()` is a `PeriodicService` that does both,
/// then sleeps on the injected clock until the next slot (at most `idlePoll`) or a nudge.
/// State lives only in SQLite, so a restart continues where the last process stopped:
/// slots decided are not decided again, a run whose process died is settled (and a
/// scheduled one queued again), and runs stopped by a shutdown go back to the queue.
public final class ExtractScheduler: Service, Sendable {
    let store: Store
    let runner: ExtractRunner
    let logger: Logger
    let clock: RuntimeClock
    let executor: BlockingExecutor
    /// How many extracts may produce at once (each uses up to all cores for gzip).
    public let maxConcurrentRuns: Int
    /// Upper bound on the sleep between steps, so configuration changes and runs queued by
    /// other processes are seen without a nudge.
    public let idlePoll: Duration

    struct State {
        /// The runs of this scheduler being produced, by extract (one per extract).
        var inFlight: [String: Task<Void, Never>] = [:]
        var stopping = false
        /// The periodic service while `run()` runs, for nudges and its stop.
        var service: PeriodicService?
        var extractNotProduced: (@Sendable (_ extract: String, _ slot: Date, _ reason: String) -> Void)?
    }

    let state = Mutex(State())

    /// Called when a schedule slot ends without its file: its run failed or was refused,
    /// or the slot was missed during downtime under `catch_up: skip-to-next`. The monitor
    /// raises "scheduled extract did not produce its file" from it.
    public var extractNotProduced: (@Sendable (_ extract: String, _ slot: Date, _ reason: String) -> Void)? {
        get { state.withLock { $0.extractNotProduced } }
        set { state.withLock { $0.extractNotProduced = newValue } }
    }

    public init(store: Store, runner: ExtractRunner, logger: Logger = Logger(label: "udtraek.scheduler"),
                maxConcurrentRuns: Int = 2, idlePoll: Duration = .seconds(30),
                clock: RuntimeClock = .system, executor: BlockingExecutor = .shared) {
        self.store = store
        self.runner = runner
        self.logger = logger
        self.maxConcurrentRuns = maxConcurrentRuns
        self.idlePoll = idlePoll
        self.clock = clock
        self.executor = executor
    }

    /// What one step decided for one schedule.
    public struct Step: Sendable {
        public var extract: String
        public var decisions: [(SlotDecisionRecord, RunRequest?)]
        /// The next slot the calendar lets run; nil with `problem` set when there is none.
        public var nextWakeUp: Date?
        public var problem: String?
    }

    /// Decides and records every enabled schedule's slots up to `now`. A schedule that
    /// cannot be read is logged and skipped; the others go on.
    @discardableResult
    public func decideDueSlots(now: Date) -> [Step] {
        let states: [ScheduleState]
        do { states = try store.schedules() } catch {
            logger.error("cannot read schedules: \(error)")
            return []
        }
        let notProduced = extractNotProduced
        var steps: [Step] = []
        for state in states where state.schedule.enabled {
            let extract = state.schedule.extract
            do {
                let configured = try ConfiguredSchedule(state)
                var wakeUp: Date?
                var problem: String?
                // Crash: about to decide the slots of this schedule.
                CrashPoint.reach("scheduler.before-decide")
                let recorded = try store.recordScheduleDecisions(extract: extract, now: now, isAlive: RunOwner.isAlive) {
                    current, running, queued in
                    // Crash: inside the transaction that records the slot and requests its run (rolled back).
                    CrashPoint.reach("scheduler.deciding")
                    let planner = try ConfiguredSchedule(current).planner
                    let plan = planner.plan(now: now, lastHandledSlot: current.lastHandledSlot, runInFlight: running, runQueued: queued)
                    wakeUp = plan.nextWakeUp
                    problem = plan.nextWakeUpError?.message
                    return (configured.records(for: plan.decisions), plan.lastHandledSlot)
                }
                // Crash: the slots, their run requests and the last handled slot are committed.
                CrashPoint.reach("scheduler.slot-recorded")
                for (decision, request) in recorded {
                    if decision.outcome == SlotOutcomeName.missed, configured.planner.catchUp == .skipToNext {
                        notProduced?(extract, decision.slotAt, "slot \(decision.localTime) was missed: the service was down or the clock jumped (catch_up: skip-to-next)")
                    }
                    logger.notice("slot \(decision.localTime) of \(extract): \(decision.outcome)\(decision.detail.isEmpty ? "" : " (\(decision.detail))")",
                                  metadata: ["extract.name": "\(extract)", "extract.run": "\(request?.run.id.map(String.init) ?? "-")"])
                }
                steps.append(Step(extract: extract, decisions: recorded, nextWakeUp: wakeUp, problem: problem))
            } catch {
                logger.error("schedule of \(extract) cannot be decided: \(error)", metadata: ["extract.name": "\(extract)"])
                steps.append(Step(extract: extract, decisions: [], nextWakeUp: nil, problem: "\(error)"))
            }
        }
        return steps
    }

    /// Claims queued runs and starts each as a job on the executor, up to
    /// `maxConcurrentRuns` in flight. Returns the runs started. Blocking (SQLite).
    @discardableResult
    public func startClaimableRuns() -> [ExtractRun] {
        var started: [ExtractRun] = []
        while true {
            // One locked read: the room checked and the extracts excluded are of the same moment.
            let busy: Set<String>? = state.withLock { s in
                s.stopping || s.inFlight.count >= maxConcurrentRuns ? nil : Set(s.inFlight.keys)
            }
            guard let busy else { break }
            // Crash (loop): about to claim the next queued run.
            CrashPoint.reach("scheduler.before-claim")
            let claimed: ExtractRun?
            do {
                claimed = try store.claimNextRun(owner: RunOwner.current, now: clock.date, excluding: busy, isAlive: RunOwner.isAlive)
            } catch {
                logger.error("cannot claim queued runs: \(error)")
                break
            }
            guard let run = claimed else { break }
            // Crash: the run is claimed (`running`, owned by this process), not started.
            CrashPoint.reach("scheduler.run-claimed")
            // Registered under the lock the task must take to deregister, so it cannot
            // finish before it is tracked.
            state.withLock { s in
                s.inFlight[run.extract] = Task { await self.produce(run) }
            }
            started.append(run)
        }
        return started
    }

    /// One run from claim to outcome: the job on the executor, then the bookkeeping.
    private func produce(_ run: ExtractRun) async {
        do {
            try await executor.run { [self] in execute(run) }
        } catch {
            // The executor did not start the job: the claim goes back to the queue.
            logger.error("run \(run.id ?? 0) of \(run.extract) could not start: \(error); it stays queued")
            var back = run
            back.state = .queued
            back.startedAt = nil
            back.owner = nil
            try? store.updateRun(back)
        }
        let service = state.withLock { s -> PeriodicService? in
            s.inFlight[run.extract] = nil
            return s.service
        }
        // A run queued behind this one can start now.
        service?.nudge()
    }

    /// Produces one claimed run; blocking, so it runs as a job on the executor.
    private func execute(_ run: ExtractRun) {
        logger.notice("run \(run.id ?? 0) of \(run.extract) started (\(run.trigger.rawValue), production date \(run.productionDate))",
                      metadata: ["extract.name": "\(run.extract)", "extract.run": "\(run.id ?? 0)"])
        var finished: ExtractRun?
        do {
            finished = try runner.execute(run, isCancelled: { [self] in isStopping })
        } catch let error as ExtractError where error.code == .cancelled {
            logger.notice("run \(run.id ?? 0) of \(run.extract) stopped for shutdown; it stays queued")
        } catch {
            logger.error("run \(run.id ?? 0) of \(run.extract) ended without a file: \(error)",
                         metadata: ["extract.name": "\(run.extract)", "extract.run": "\(run.id ?? 0)"])
            finished = run.id.flatMap { try? store.run(id: $0) }
        }
        // Crash: the run ended (its outcome is recorded by the runner).
        CrashPoint.reach("scheduler.run-finished")
        if let finished {
            Counter(label: "udtraek_extract_runs_total", dimensions: [("extract", run.extract), ("outcome", finished.state.rawValue)])
                .increment()
            if finished.state == .produced, let seconds = finished.duration {
                Metrics.Timer(label: "udtraek_extract_duration_seconds", dimensions: [("extract", run.extract)],
                              preferredDisplayUnit: .seconds).recordSeconds(seconds)
                Counter(label: "udtraek_extract_bytes_total", dimensions: [("extract", run.extract)]).increment(by: finished.fileBytes ?? 0)
            }
            if [.failed, .refused].contains(finished.state), [.schedule, .catchUp, .recovery].contains(finished.trigger) {
                extractNotProduced?(run.extract, finished.slotAt ?? finished.requestedAt,
                                    "run \(run.id ?? 0) \(finished.state.rawValue): \(finished.error ?? "no reason recorded")")
            }
        }
    }

    /// Whether runs in flight should stop at their next chunk: a stop was asked for, by
    /// `stop()` or by the service group.
    var isStopping: Bool {
        state.withLock { $0.stopping || $0.service?.isStopping == true }
    }

    /// Wakes the service now (a run was requested through the API), or right after the
    /// pass in flight.
    public func nudge() {
        state.withLock { $0.service }?.nudge()
    }

    /// Extract names being produced by this process now.
    public var runningExtracts: [String] { state.withLock { $0.inFlight.keys.sorted() } }

    /// Stops starting runs, asks running ones to stop at their next chunk (they return to
    /// the queue), and waits for them.
    public func stop() async {
        state.withLock { $0.stopping = true }
        await waitForRuns()
    }

    /// Returns when no run of this scheduler is in flight.
    public func waitForRuns() async {
        while let task = state.withLock({ $0.inFlight.values.first }) {
            await task.value
        }
    }

    /// What `serve --once` does: decide the due slots, then produce every claimable run
    /// (and the runs queued behind them) before returning.
    public func runOnce() async throws {
        let now = clock.date
        try await executor.run { [self] in _ = decideDueSlots(now: now) }
        while try await !executor.run({ [self] in startClaimableRuns().isEmpty }) {
            await waitForRuns()
        }
    }

    /// The service: decide, start, sleep until the next slot (at most `idlePoll`) or a
    /// nudge; on a graceful shutdown or cancellation, runs in flight go back to the queue
    /// and it returns once they have.
    public func run() async throws {
        let service = PeriodicService(name: "scheduler", clock: clock, logger: logger,
                                      pass: { [self] in await pass() },
                                      onStop: { [self] in await stop() })
        state.withLock { $0.service = service }
        defer { state.withLock { $0.service = nil } }
        try await service.run()
        logger.notice("scheduler stopped")
    }

    /// One step of the service; returns how long to sleep.
    private func pass() async -> Duration {
        let steps: [Step]
        do {
            steps = try await executor.run { [self] in
                let steps = decideDueSlots(now: clock.date)
                startClaimableRuns()
                return steps
            }
        } catch {
            // Not started: the service is being cancelled; the loop sees the stop.
            return idlePoll
        }
        guard let next = steps.compactMap(\.nextWakeUp).min() else { return idlePoll }
        let untilNext = Duration.clampedSeconds(next.timeIntervalSince(clock.date))
        return min(idlePoll, max(.milliseconds(50), untilNext))
    }
}
