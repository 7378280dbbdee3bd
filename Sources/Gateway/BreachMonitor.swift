import Logging
import Metrics
import Runtime
import Synchronization

/// Where breach alarms go. The alarm system connects here; the default logs at error level.
public protocol BreachAlarmSink: Sendable {
    func raise(_ alarm: BreachAlarm)
}

public struct BreachAlarm: Sendable, Equatable {
    public var service: String
    public var breaches: Int
    public var calls: Int
    public var share: Double
    public var threshold: Double
}

public struct LoggingBreachAlarmSink: BreachAlarmSink {
    let logger: Logger
    public init(logger: Logger) { self.logger = logger }
    public func raise(_ alarm: BreachAlarm) {
        logger.error("service target breaches above threshold", metadata: [
            "gateway.service": "\(alarm.service)", "gateway.breaches": "\(alarm.breaches)",
            "gateway.calls": "\(alarm.calls)", "gateway.share": "\(alarm.share)", "gateway.threshold": "\(alarm.threshold)",
        ])
    }
}

/// Counts calls and breaches per service (in memory and as swift-metrics counters
/// `gateway_calls_total` / `gateway_breaches_total` with labels service and side), times
/// every call per operation (`gateway_call_duration_seconds`, label operation), and
/// raises an alarm once a service's breach share exceeds the threshold, judged after at
/// least `minimumCalls` calls so one slow call after a restart does not page anyone.
/// It raises again only after the share has dropped back under the threshold.
///
/// Calls are recorded on the request path; an alarm goes to its sink on the executor when
/// one is given (`serve`'s sink writes the alarm to the store), so no call waits for it.
public final class BreachMonitor: Sendable {
    /// A service's counts, with its metrics counters made on its first call (after the
    /// process has bootstrapped its metrics backend) and then reused: making a counter
    /// looks it up in the backend under a lock, too much to do on every call.
    struct Tally {
        var calls = 0
        var breaches = 0
        var alarmed = false
        let callCounter: Counter
        let serverBreaches: Counter
        let clientBreaches: Counter

        init(service: String) {
            callCounter = Counter(label: "gateway_calls_total", dimensions: [("service", service)])
            serverBreaches = Counter(label: "gateway_breaches_total", dimensions: [("service", service), ("side", "server")])
            clientBreaches = Counter(label: "gateway_breaches_total", dimensions: [("service", service), ("side", "client")])
        }
    }
    let threshold: Double
    let minimumCalls: Int
    let sink: any BreachAlarmSink
    let executor: BlockingExecutor?
    struct State {
        var tallies: [String: Tally] = [:]
        /// Per operation, made on its first call like the counters.
        var timers: [String: Timer] = [:]
    }
    let state = Mutex(State())

    /// - Parameter executor: where the sink is called; nil calls it on the recording thread.
    public init(threshold: Double, minimumCalls: Int = 20, sink: any BreachAlarmSink, executor: BlockingExecutor? = nil) {
        self.threshold = threshold
        self.minimumCalls = minimumCalls
        self.sink = sink
        self.executor = executor
    }

    /// `breach` is `server`, `client` or nil; `duration` is the call's time (for a large
    /// response, until its last byte).
    public func record(service: String, operation: String, duration: Duration, breach: String?) {
        let alarm: BreachAlarm? = state.withLock { state in
            let timer = state.timers[operation] ?? Timer(label: "gateway_call_duration_seconds", dimensions: [("operation", operation)],
                                                          preferredDisplayUnit: .seconds)
            state.timers[operation] = timer
            let nanoseconds = duration.inSeconds * 1e9
            timer.recordNanoseconds(nanoseconds < 9e18 ? Int64(max(0, nanoseconds)) : .max)
            var t = state.tallies[service] ?? Tally(service: service)
            t.calls += 1
            t.callCounter.increment()
            // Client-side breaches are the caller's doing; they are counted, not alarmed.
            if breach == "server" {
                t.breaches += 1
                t.serverBreaches.increment()
            } else if breach != nil {
                t.clientBreaches.increment()
            }
            let share = Double(t.breaches) / Double(t.calls)
            var raise: BreachAlarm?
            if t.calls >= minimumCalls && share > threshold && !t.alarmed {
                t.alarmed = true
                raise = BreachAlarm(service: service, breaches: t.breaches, calls: t.calls, share: share, threshold: threshold)
            } else if t.alarmed && share <= threshold {
                t.alarmed = false
            }
            state.tallies[service] = t
            return raise
        }
        guard let alarm else { return }
        guard let executor else { return sink.raise(alarm) }
        let sink = sink
        Task { _ = try? await executor.run { sink.raise(alarm) } }
    }

    /// (calls, server breaches) so far for a service.
    public func counts(service: String) -> (calls: Int, breaches: Int) {
        state.withLock { $0.tallies[service].map { ($0.calls, $0.breaches) } ?? (0, 0) }
    }
}
