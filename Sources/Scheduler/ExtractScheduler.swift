import Extracts
import Foundation
import Logging
import Metrics
import Scheduling
import ServiceLifecycle
import Store

/// The scheduler inside `udtraek serve`: decides every schedule's due slots, records them,
/// and produces queued runs (scheduled, API, and runs queued behind others) on their own
/// threads, a bounded number at once.
///
/// Deciding is `decideDueSlots(now:)`, a step with an injected clock that tests call
/// directly; `run()` loops it. State lives only in SQLite, so a restart continues where
/// the last process stopped: slots decided are not decided again, a run whose process died
/// is settled (and a scheduled one queued again), and runs stopped by a shutdown go back
/// to the queue.
public final class ExtractScheduler: Service, @unchecked Sendable {
    let store: Store
    let runner: ExtractRunner
    let logger: Logger
    let clock: @Sendable () -> Date
    /// How many extracts may produce at once (each uses up to all cores for gzip).
    public let maxConcurrentRuns: Int
    /// Upper bound on the sleep between steps, so configuration changes and runs queued by
    /// other processes are seen without a nudge.
    public let idlePoll: Duration
    /// Called when a schedule slot ends without its file: its run failed or was refused,
    /// or the slot was missed during downtime under `catch_up: skip-to-next`. The monitor
    /// raises "scheduled extract did not produce its file" from it.
    public var extractNotProduced: (@Sendable (_ extract: String, _ slot: Date, _ reason: String) -> Void)?

    private let lock = NSCondition()
    private var inFlight: [String: Thread] = [:]
    private var stopping = false
    private var nudged = false

    public init(store: Store, runner: ExtractRunner, logger: Logger = Logger(label: "udtraek.scheduler"),
                maxConcurrentRuns: Int = 2, idlePoll: Duration = .seconds(30),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.runner = runner
        self.logger = logger
        self.maxConcurrentRuns = maxConcurrentRuns
        self.idlePoll = idlePoll
        self.clock = clock
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
        var steps: [Step] = []
        for state in states where state.schedule.enabled {
            let extract = state.schedule.extract
            do {
                let configured = try ConfiguredSchedule(state)
                var wakeUp: Date?
                var problem: String?
                let recorded = try store.recordScheduleDecisions(extract: extract, now: now, isAlive: RunOwner.isAlive) {
                    current, running, queued in
                    let planner = try ConfiguredSchedule(current).planner
                    let plan = planner.plan(now: now, lastHandledSlot: current.lastHandledSlot, runInFlight: running, runQueued: queued)
                    wakeUp = plan.nextWakeUp
                    problem = plan.nextWakeUpError?.message
                    return (configured.records(for: plan.decisions), plan.lastHandledSlot)
                }
                for (decision, request) in recorded {
                    if decision.outcome == SlotOutcomeName.missed, configured.planner.catchUp == .skipToNext {
                        extractNotProduced?(extract, decision.slotAt, "slot \(decision.localTime) was missed while the service was down (catch_up: skip-to-next)")
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

    /// Claims queued runs and starts each on its own thread, up to `maxConcurrentRuns`.
    /// Returns the runs started.
    @discardableResult
    public func startClaimableRuns() -> [ExtractRun] {
        var started: [ExtractRun] = []
        while true {
            // One locked read: the room checked and the extracts excluded are of the same moment.
            let busy: Set<String>? = lock.withLock { stopping || inFlight.count >= maxConcurrentRuns ? nil : Set(inFlight.keys) }
            guard let busy else { break }
            let claimed: ExtractRun?
            do {
                claimed = try store.claimNextRun(owner: RunOwner.current, now: clock(), excluding: busy, isAlive: RunOwner.isAlive)
            } catch {
                logger.error("cannot claim queued runs: \(error)")
                break
            }
            guard let run = claimed else { break }
            let thread = Thread { [self] in execute(run) }
            thread.name = "extract \(run.extract)"
            thread.stackSize = 8 << 20
            lock.withLock { inFlight[run.extract] = thread }
            thread.start()
            started.append(run)
        }
        return started
    }

    private func execute(_ run: ExtractRun) {
        logger.notice("run \(run.id ?? 0) of \(run.extract) started (\(run.trigger.rawValue), production date \(run.productionDate))",
                      metadata: ["extract.name": "\(run.extract)", "extract.run": "\(run.id ?? 0)"])
        var finished: ExtractRun?
        do {
            finished = try runner.execute(run, isCancelled: { [self] in lock.withLock { stopping } })
        } catch let error as ExtractError where error.code == .cancelled {
            logger.notice("run \(run.id ?? 0) of \(run.extract) stopped for shutdown; it stays queued")
        } catch {
            logger.error("run \(run.id ?? 0) of \(run.extract) ended without a file: \(error)",
                         metadata: ["extract.name": "\(run.extract)", "extract.run": "\(run.id ?? 0)"])
            finished = try? store.run(id: run.id!)
        }
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
        lock.withLock {
            inFlight[run.extract] = nil
            nudged = true
            lock.broadcast()
        }
    }

    /// Wakes the loop now (a run was requested through the API).
    public func nudge() {
        lock.withLock { nudged = true; lock.broadcast() }
    }

    /// Extract names being produced by this process now.
    public var runningExtracts: [String] { lock.withLock { inFlight.keys.sorted() } }

    /// Stops starting runs, asks running ones to stop at their next chunk (they return to
    /// the queue), and waits for them.
    public func stop() {
        lock.withLock { stopping = true; lock.broadcast() }
        waitForRuns()
    }

    /// Blocks until no run of this scheduler is in flight.
    public func waitForRuns() {
        lock.withLock { while !inFlight.isEmpty { lock.wait() } }
    }

    /// The service loop: decide, start, sleep until the next slot (at most `idlePoll`) or a nudge.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while !lock.withLock({ stopping }) {
                let now = clock()
                let steps = decideDueSlots(now: now)
                startClaimableRuns()
                let next = steps.compactMap(\.nextWakeUp).min()
                var wait = Double(idlePoll.components.seconds)
                if let next { wait = min(wait, max(0.05, next.timeIntervalSince(now))) }
                await sleep(seconds: wait)
            }
        } onGracefulShutdown: { [self] in
            lock.withLock { stopping = true; lock.broadcast() }
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                waitForRuns()
                done.resume()
            }
        }
        logger.notice("scheduler stopped")
    }

    /// Waits on the condition off the cooperative pool, so the wait can end early.
    private func sleep(seconds: Double) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                let deadline = Date().addingTimeInterval(seconds)
                lock.withLock {
                    while !nudged && !stopping && Date() < deadline { _ = lock.wait(until: deadline) }
                    nudged = false
                }
                done.resume()
            }
        }
    }
}
